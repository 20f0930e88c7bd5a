import { describe, expect, it } from "vitest";
import { macEquals } from "./constant-time.js";

describe("macEquals", () => {
  it("is true only for identical bytes", () => {
    expect(macEquals(Buffer.from("abc"), Buffer.from("abc"))).toBe(true);
    expect(macEquals(Buffer.from("abc"), Buffer.from("abd"))).toBe(false);
  });

  it("treats a length mismatch or a missing value as a mismatch instead of throwing", () => {
    expect(macEquals(Buffer.from("abc"), Buffer.from("ab"))).toBe(false);
    expect(macEquals(Buffer.from("abc"), undefined)).toBe(false);
    expect(macEquals(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
