import { describe, expect, it } from "vitest";
import { normalizeOrigin } from "./normalize-origin.js";

describe("normalizeOrigin (LuaSocket url.parse semantics)", () => {
  it.each([
    ["http://foo.test", "http://foo.test", "foo.test"],
    ["http://foo.test:80", "http://foo.test", "foo.test"],
    ["https://foo.test:443", "https://foo.test", "foo.test"],
    ["https://foo.test:80", "https://foo.test:80", "foo.test"],
    ["http://foo.test:443", "http://foo.test:443", "foo.test"],
    ["http://foo.test:8000", "http://foo.test:8000", "foo.test"],
    ["http://user:secret@foo.test:90/path?query#fragment", "http://foo.test:90", "foo.test"],
    ["http://[::1]:8080", "http://[::1]:8080", "::1"],
    ["http://[::1]", "http://[::1]", "::1"],
    ["//foo.test:90", "foo.test:90", "foo.test"],
  ])("%s → domain %s, host %s", (input, domain, host) => {
    expect(normalizeOrigin(input)).toEqual({ domain, host });
  });

  it.each(["example.test", "foo.test:8000", "null", "http:", "http://", "http://:8000"])(
    "%s has no host, so it is kept unchanged",
    (input) => {
      expect(normalizeOrigin(input)).toEqual({ domain: input, host: input });
    },
  );

  it("keeps the case of scheme and host, as Kong compares them", () => {
    expect(normalizeOrigin("HTTP://Foo.Test:80")).toEqual({ domain: "HTTP://Foo.Test:80", host: "Foo.Test" });
  });
});
