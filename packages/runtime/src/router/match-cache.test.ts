import { describe, expect, it } from "vitest";
import { MatchCache } from "./match-cache.js";

describe("MatchCache", () => {
  it("returns what was stored, including null", () => {
    const cache = new MatchCache<string | null>(8);
    cache.set("a", "A");
    cache.set("b", null);
    expect(cache.get("a")).toBe("A");
    expect(cache.get("b")).toBeNull();
    expect(cache.get("c")).toBeUndefined();
  });

  it("stays bounded and keeps recently used entries", () => {
    const cache = new MatchCache<number>(4);
    for (let index = 0; index < 100; index++) {
      cache.set(`key${index}`, index);
      // key0 is read on every step, so it is promoted into each new generation.
      expect(cache.get("key0")).toBe(0);
      expect(cache.size).toBeLessThanOrEqual(4);
    }
    expect(cache.get("key1")).toBeUndefined();
    expect(cache.get("key99")).toBe(99);
  });
});
