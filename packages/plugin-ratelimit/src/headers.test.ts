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
  it("kong: Kong's exact names and values, RateLimit-* for the most restrictive window", () => {
    const headers = new RateLimitHeaders(["minute", "hour"], [6, 99999], "kong");
    expect(collect(headers, [6, 99999], [2, 2], [45, 1365])).toEqual({
      set: {
        "X-RateLimit-Limit-Minute": "6",
        "X-RateLimit-Remaining-Minute": "3",
        "X-RateLimit-Limit-Hour": "99999",
        "X-RateLimit-Remaining-Hour": "99996",
        "RateLimit-Limit": "6",
        "RateLimit-Remaining": "3",
        "RateLimit-Reset": "45",
      },
      retryAfter: "45",
    });
  });
  it("ietf: RateLimit-Policy and RateLimit of draft -11, integers only", () => {
    const headers = new RateLimitHeaders(["second", "day"], [2.5, 1000], "ietf");
    expect(headers.policy).toBe('"second";q=2;w=1, "day";q=1000;w=86400');
    expect(collect(headers, [2.5, 1000], [0, 10], [1, 500]).set).toEqual({
      "RateLimit-Policy": '"second";q=2;w=1, "day";q=1000;w=86400',
      RateLimit: '"second";r=1;t=1, "day";r=989;t=500',
    });
  });
  it("both: the union", () => {
    const headers = new RateLimitHeaders(["minute"], [1], "both");
    expect(Object.keys(collect(headers, [1], [0], [30]).set)).toEqual([
      "X-RateLimit-Limit-Minute",
      "X-RateLimit-Remaining-Minute",
      "RateLimit-Limit",
      "RateLimit-Remaining",
      "RateLimit-Reset",
      "RateLimit-Policy",
      "RateLimit",
    ]);
  });
});
