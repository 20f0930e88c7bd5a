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

  it("a set after an addition replaces the whole header, as kong.response.set_header does", () => {
    const pending = new PendingResponseView();
    pending.addHeader("vary", "Origin");
    pending.setHeader("Vary", "Accept-Encoding");
    pending.addHeader("x-list", "a");
    pending.setHeader("x-list", ["b", "c"]);
    pending.addHeader("x-list", "d");
    const headers: Record<string, string | string[] | undefined> = { vary: "Accept" };
    pending.applyTo(headers);
    expect(headers).toEqual({ vary: "Accept-Encoding", "x-list": ["b", "c", "d"] });
  });

  it("does nothing when access changed no header", () => {
    const headers: Record<string, string | string[] | undefined> = { server: "upstream" };
    new PendingResponseView().applyTo(headers);
    expect(headers).toEqual({ server: "upstream" });
  });

  it("refuses header values with CR, LF or NUL", () => {
    expect(() => new PendingResponseView().setHeader("x-bad", "a\r\nb")).toThrow(/invalid value/);
    expect(() => new PendingResponseView().setHeader("x-bad", ["ok", "a\u0000b"])).toThrow(/invalid value/);
    expect(() => new PendingResponseView().addHeader("x-bad", 7 as unknown as string)).toThrow(/invalid value/);
  });
});
