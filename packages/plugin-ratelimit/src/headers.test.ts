import type { HeaderValue } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { decide } from "./decision.js";
import { RateLimitHeaders } from "./headers.js";

function collect(headers: RateLimitHeaders, limits: number[], usages: number[], resets: number[]) {
  const set: Record<string, HeaderValue> = {};
  const retryAfter = headers.apply({ setHeader: (name, value) => (set[name] = value) }, decide(limits, usages), resets);
  return { set, retryAfter };
}

describe("RateLimitHeaders", () => {
  it("kong: Kong's names (lower-cased, as they go on the wire) and values, RateLimit-* for the most restrictive window", () => {
    const headers = new RateLimitHeaders(["minute", "hour"], [6, 99999], "kong");
    expect(collect(headers, [6, 99999], [2, 2], [45, 1365])).toEqual({
      set: {
        "x-ratelimit-limit-minute": "6",
        "x-ratelimit-remaining-minute": "3",
        "x-ratelimit-limit-hour": "99999",
        "x-ratelimit-remaining-hour": "99996",
        "ratelimit-limit": "6",
        "ratelimit-remaining": "3",
        "ratelimit-reset": "45",
      },
      retryAfter: "45",
    });
  });
  it("ietf: RateLimit-Policy and RateLimit of draft -11, integers only", () => {
    const headers = new RateLimitHeaders(["second", "day"], [2.5, 1000], "ietf");
    expect(headers.policy).toBe('"second";q=2;w=1, "day";q=1000;w=86400');
    expect(collect(headers, [2.5, 1000], [0, 10], [1, 500]).set).toEqual({
      "ratelimit-policy": '"second";q=2;w=1, "day";q=1000;w=86400',
      ratelimit: '"second";r=1;t=1, "day";r=989;t=500',
    });
  });
  it("both: the union", () => {
    const headers = new RateLimitHeaders(["minute"], [1], "both");
    expect(Object.keys(collect(headers, [1], [0], [30]).set)).toEqual([
      "x-ratelimit-limit-minute",
      "x-ratelimit-remaining-minute",
      "ratelimit-limit",
      "ratelimit-remaining",
      "ratelimit-reset",
      "ratelimit-policy",
      "ratelimit",
    ]);
  });
});
