import { describe, expect, it } from "vitest";
import { ReplayCache } from "./replay-cache.js";

describe("ReplayCache", () => {
  it("claims a key once, until twice the clock skew has passed", () => {
    let now = 1_000_000;
    const cache = new ReplayCache({ clockSkewSeconds: 10, maxEntries: 100, now: () => now });
    expect(cache.claim("a")).toBe(true);
    expect(cache.claim("a")).toBe(false);
    expect(cache.claim("b")).toBe(true);
    now += 19_000;
    expect(cache.claim("a")).toBe(false);
    now += 2_000;
    expect(cache.claim("a")).toBe(true);
  });

  it("forgets the least recently seen keys past its size", () => {
    const cache = new ReplayCache({ clockSkewSeconds: 300, maxEntries: 2, now: () => 0 });
    cache.claim("a");
    cache.claim("b");
    cache.claim("c");
    expect(cache.claim("a")).toBe(true);
    expect(cache.claim("c")).toBe(false);
    cache.clear();
    expect(cache.claim("c")).toBe(true);
  });
});
