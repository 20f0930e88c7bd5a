import { describe, expect, it } from "vitest";
import { normalizeHost } from "./host-normalization.js";

describe("normalizeHost", () => {
  it.each([
    ["example.com", "example.com"],
    ["Example.COM", "example.com"],
    ["example.com:8000", "example.com"],
    ["API.example.com:443", "api.example.com"],
    ["admin.example.com.", "admin.example.com"],
    ["admin.example.com.:8443", "admin.example.com"],
    ["127.0.0.1:8000", "127.0.0.1"],
    ["[::1]:8000", "[::1]"],
    ["[::1]", "[::1]"],
    ["[FE80::1]", "[fe80::1]"],
    ["", ""],
  ])("%j -> %j", (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });
});
