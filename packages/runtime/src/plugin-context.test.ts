import { describe, expect, it } from "vitest";
import { PendingResponseView } from "./plugin-context.js";

describe("PendingResponseView", () => {
  it("applies sets, additions and removals from access onto the response, in Kong's order", () => {
    const pending = new PendingResponseView();
    pending.setHeader("X-RateLimit-Limit-Minute", "6");
    pending.addHeader("x-ratelimit-limit-minute", "7");
    pending.removeHeader("server");
    pending.addHeader("vary", "Origin");
    pending.removeHeader("x-gone");
    pending.addHeader("x-gone", "back");
    const headers: Record<string, string | string[] | undefined> = { server: "upstream", vary: "Accept", "x-gone": "old" };
    pending.applyTo(headers);
    expect(headers).toEqual({ "x-ratelimit-limit-minute": ["6", "7"], vary: ["Accept", "Origin"], "x-gone": "back" });
  });

  it("drops an earlier addition when the header is removed afterwards", () => {
    const pending = new PendingResponseView();
    pending.addHeader("x-trace", "1");
    pending.removeHeader("X-Trace");
    const headers: Record<string, string | string[] | undefined> = { "x-trace": "upstream" };
    pending.applyTo(headers);
    expect(headers).toEqual({});
  });

  it("refuses header values with CR, LF or NUL", () => {
    expect(() => new PendingResponseView().setHeader("x-bad", "a\r\nb")).toThrow(/invalid value/);
  });
});
