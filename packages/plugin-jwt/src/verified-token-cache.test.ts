import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "./verified-token-cache.js";

describe("VerifiedTokenCache", () => {
  it("returns what was set, and forgets what was deleted", () => {
    const cache = new VerifiedTokenCache<number>(10);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    expect(cache.get("b")).toBe(2);
    expect(cache.get("c")).toBeUndefined();
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.set("b", 3);
    expect(cache.get("b")).toBe(3);
    expect(cache.size).toBe(1);
  });

  it("never holds more than its capacity", () => {
    const cache = new VerifiedTokenCache<number>(100);
    for (let index = 0; index < 10_000; index++) {
      cache.set(`token-${index}`, index);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    // The newest entries are still there; the oldest are gone.
    expect(cache.get("token-9999")).toBe(9999);
    expect(cache.get("token-0")).toBeUndefined();
  });

  it("keeps a token that is in use while others come and go", () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set("hot", "verified");
    for (let index = 0; index < 1000; index++) {
      cache.set(`cold-${index}`, "verified");
      expect(cache.get("hot")).toBe("verified");
    }
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it("a set over an entry of the previous generation replaces it", () => {
    const cache = new VerifiedTokenCache<number>(4);
    cache.set("a", 1);
    cache.set("b", 2); // the current generation (2 entries) is full: a and b become the previous one
    cache.set("a", 10);
    expect(cache.get("a")).toBe(10);
    expect(cache.size).toBe(2);
  });

  it("a token that shares another's tail is a miss, never the other token's value", () => {
    const cache = new VerifiedTokenCache<string>(10);
    const tail = "s".repeat(40);
    cache.set(`header.alice.${tail}`, "alice");
    expect(cache.get(`header.mallory.${tail}`)).toBeUndefined();
    expect(cache.get(`header.alice.${tail}`)).toBe("alice");
    // Setting the other token replaces the entry; deleting a token that is not the stored one leaves it.
    cache.set(`header.bob.${tail}`, "bob");
    cache.delete(`header.alice.${tail}`);
    expect(cache.get(`header.bob.${tail}`)).toBe("bob");
    expect(cache.get(`header.alice.${tail}`)).toBeUndefined();
  });

  it("clear() empties both generations", () => {
    const cache = new VerifiedTokenCache<number>(4);
    for (let index = 0; index < 5; index++) cache.set(String(index), index);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get("4")).toBeUndefined();
  });

  it("holds every capacity exactly, odd and 1 included", () => {
    for (const capacity of [1, 2, 3, 7, 10]) {
      const cache = new VerifiedTokenCache<number>(capacity);
      let largest = 0;
      for (let index = 0; index < 50; index++) {
        cache.set(String(index), index);
        largest = Math.max(largest, cache.size);
        expect(cache.get(String(index))).toBe(index);
      }
      expect(largest).toBeLessThanOrEqual(capacity);
    }
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new VerifiedTokenCache(0)).toThrow(RangeError);
    expect(() => new VerifiedTokenCache(2.5)).toThrow(RangeError);
  });
});
