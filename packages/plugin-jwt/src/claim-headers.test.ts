import type { UpstreamRequest } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { applyClaimHeaders, claimHeaderValue, createClaimHeaderMapping } from "./claim-headers.js";

describe("claimHeaderValue", () => {
  it("renders scalars, arrays and objects", () => {
    expect(claimHeaderValue("a")).toBe("a");
    expect(claimHeaderValue(5)).toBe("5");
    expect(claimHeaderValue(false)).toBe("false");
    expect(claimHeaderValue(["a", 1])).toBe("a, 1");
    expect(claimHeaderValue({ a: 1 })).toBe('{"a":1}');
  });

  it("refuses absent, empty and unsafe values", () => {
    expect(claimHeaderValue(undefined)).toBeUndefined();
    expect(claimHeaderValue(null)).toBeUndefined();
    expect(claimHeaderValue("")).toBeUndefined();
    expect(claimHeaderValue("a\nb")).toBeUndefined();
    expect(claimHeaderValue("snow ☃")).toBeUndefined();
  });
});

describe("applyClaimHeaders", () => {
  it("sets or removes every mapped header", () => {
    const headers: Record<string, string> = { "x-sub": "spoofed", "x-missing": "spoofed" };
    const upstream = {
      setHeader: (name: string, value: string) => {
        headers[name] = value;
      },
      removeHeader: (name: string) => {
        delete headers[name];
      },
    } as unknown as UpstreamRequest;
    const mapping = createClaimHeaderMapping({ sub: "X-Sub", missing: "X-Missing" });
    applyClaimHeaders(upstream, mapping, { sub: "real" });
    expect(headers).toEqual({ "x-sub": "real" });
    applyClaimHeaders(upstream, mapping, undefined);
    expect(headers).toEqual({});
  });
});
