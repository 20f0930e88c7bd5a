import { describe, expect, it } from "vitest";
import { classifyOrigin, compileAnchored, findInvalidOrigins, isPlainOrigin, isValidOriginEntry } from "./origin-pattern.js";

describe("classifyOrigin", () => {
  it("recognises the wildcard", () => {
    expect(classifyOrigin("*")).toEqual({ kind: "wildcard" });
  });

  it("treats entries made of [A-Za-z0-9.:/-] only as plain origins", () => {
    expect(classifyOrigin("https://bar.test:1234")).toEqual({ kind: "plain", value: "https://bar.test:1234" });
    expect(classifyOrigin("foo.test")).toEqual({ kind: "plain", value: "foo.test" });
    expect(isPlainOrigin("foo\\.test")).toBe(false);
  });

  it("matches an entry without ':' against the host, and one with ':' against the full origin", () => {
    expect(classifyOrigin("foo\\.test")).toEqual({ kind: "regex", source: "foo\\.test", byHost: true });
    expect(classifyOrigin("(.*[./])?foo\\.test:8000")).toEqual({ kind: "regex", source: "(.*[./])?foo\\.test:8000", byHost: false });
  });

  it("strips the user's own anchors, since every regex is anchored anyway", () => {
    expect(classifyOrigin("^http://(.*[.])?foo\\.test(:(80|90))?$")).toMatchObject({ source: "http://(.*[.])?foo\\.test(:(80|90))?" });
    expect(classifyOrigin("^foo\\.test")).toMatchObject({ source: "foo\\.test" });
  });

  it("keeps an escaped trailing dollar", () => {
    expect(classifyOrigin("foo\\$")).toMatchObject({ source: "foo\\$" });
    expect(classifyOrigin("foo\\\\$")).toMatchObject({ source: "foo\\\\" });
  });
});

describe("isValidOriginEntry and findInvalidOrigins (Kong's is_regex)", () => {
  it.each(["*", "example.com", ".*\\.example(?:-foo)?\\.com", "^https://app\\.example$"])("accepts %s", (entry) => {
    expect(isValidOriginEntry(entry)).toBe(true);
  });

  it.each(["invalid_**regex", "a)|(.*", "(unclosed", "[z-a]"])("refuses %s", (entry) => {
    expect(isValidOriginEntry(entry)).toBe(false);
  });

  it("reports each refused entry with its zero-based index", () => {
    expect(findInvalidOrigins([".*.example.com", "invalid_**regex", "*", "(x"])).toEqual([
      { index: 1, entry: "invalid_**regex" },
      { index: 3, entry: "(x" },
    ]);
    expect(findInvalidOrigins(null)).toEqual([]);
  });
});

describe("compileAnchored", () => {
  it("returns undefined for no sources", () => {
    expect(compileAnchored([])).toBeUndefined();
  });

  it("anchors every alternative at both ends, unlike Kong's bare '$' suffix", () => {
    const matches = compileAnchored(["a|b", "c"])!;
    expect(matches("a")).toBe(true);
    expect(matches("b")).toBe(true);
    expect(matches("c")).toBe(true);
    expect(matches("ab")).toBe(false);
    expect(matches("a.evil.test")).toBe(false);
    expect(matches("xc")).toBe(false);
  });

  it("keeps backreferences right by not combining such sources", () => {
    const matches = compileAnchored(["(x)y", "(a)\\1"])!;
    expect(matches("aa")).toBe(true);
    expect(matches("ab")).toBe(false);
    expect(matches("xy")).toBe(true);
  });

  it("keeps named groups that would collide working", () => {
    const matches = compileAnchored(["(?<h>foo)\\.test", "(?<h>bar)\\.test"])!;
    expect(matches("foo.test")).toBe(true);
    expect(matches("bar.test")).toBe(true);
    expect(matches("baz.test")).toBe(false);
  });
});
