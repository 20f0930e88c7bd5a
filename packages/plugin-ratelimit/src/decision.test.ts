import { describe, expect, it } from "vitest";
import { decide } from "./decision.js";

describe("decide", () => {
  it("remaining = limit - usage - 1 while admitted", () => {
    expect(decide([6], [0])).toEqual({ blocked: false, remaining: [5], chosen: 0 });
    expect(decide([6], [5])).toEqual({ blocked: false, remaining: [0], chosen: 0 });
  });
  it("blocks at usage >= limit and shows 0", () => {
    expect(decide([6], [6])).toEqual({ blocked: true, remaining: [0], chosen: 0 });
    expect(decide([6], [9])).toEqual({ blocked: true, remaining: [0], chosen: 0 });
  });
  it("windows that did not stop a blocked request are not decremented", () => {
    expect(decide([6, 100], [6, 6])).toEqual({ blocked: true, remaining: [0, 94], chosen: 0 });
  });
  it("reports the lowest remaining, ties to the longer window", () => {
    expect(decide([10, 10], [3, 3]).chosen).toBe(1);
    expect(decide([10, 20], [3, 3]).chosen).toBe(0);
    expect(decide([10, 20, 30], [0, 15, 25]).chosen).toBe(2);
  });
});
