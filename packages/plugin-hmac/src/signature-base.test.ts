import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { buildSignatureBase, normalizeAuthority, type SignedMessage } from "./signature-base.js";
import { type InnerList, parseDictionary } from "./structured-fields.js";

/** RFC 9421 Appendix B.2: the test request. */
const rfcRequest: SignedMessage = {
  method: "POST",
  scheme: "https",
  authority: "example.com",
  path: "/foo",
  query: "param=Value&Pet=dog",
  field: (name) =>
    ({
      host: "example.com",
      date: "Tue, 20 Apr 2021 02:07:55 GMT",
      "content-type": "application/json",
      "content-digest":
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
      "content-length": "18",
    })[name],
};

/** RFC 9421 Appendix B.1.5. */
const testSharedSecret = Buffer.from(
  "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==",
  "base64",
);

function params(text: string): InnerList {
  return parseDictionary(`sig=${text}`)?.get("sig") as InnerList;
}

describe("buildSignatureBase", () => {
  it("reproduces RFC 9421 B.2.5 (hmac-sha256)", () => {
    const base = buildSignatureBase(
      rfcRequest,
      params('("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"'),
    );
    expect(base).toBe(
      [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@authority": example.com',
        '"content-type": application/json',
        '"@signature-params": ("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      ].join("\n"),
    );
    expect(createHmac("sha256", testSharedSecret).update(base!).digest("base64")).toBe(
      "pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=",
    );
  });

  it("derives @method, @scheme, @target-uri, @path, @query and @request-target as RFC 9421 §2.2 shows", () => {
    const base = buildSignatureBase(
      rfcRequest,
      params('("@method" "@scheme" "@target-uri" "@path" "@query" "@request-target");created=1'),
    );
    expect(base?.split("\n").slice(0, 6)).toEqual([
      '"@method": POST',
      '"@scheme": https',
      '"@target-uri": https://example.com/foo?param=Value&Pet=dog',
      '"@path": /foo',
      '"@query": ?param=Value&Pet=dog',
      '"@request-target": /foo?param=Value&Pet=dog',
    ]);
  });

  it("gives `?` for an absent query and `/` for an empty path", () => {
    const bare = { ...rfcRequest, path: "", query: "" };
    expect(buildSignatureBase(bare, params('("@query" "@path" "@request-target")'))?.split("\n").slice(0, 3)).toEqual([
      '"@query": ?',
      '"@path": /',
      '"@request-target": ',
    ]);
  });

  it("trims field lines and joins repeated ones", () => {
    const message = { ...rfcRequest, field: (name: string) => (name === "x-list" ? [" a ", "b\t"] : " padded ") };
    expect(buildSignatureBase(message, params('("x-list" "x-one")'))?.split("\n").slice(0, 2)).toEqual([
      '"x-list": a, b',
      '"x-one": padded',
    ]);
  });

  it.each([
    ['("x-absent")', "an absent field"],
    ['("@unknown")', "an unknown derived component"],
    ['("@status")', "a response-only component"],
    ['("date" "date")', "a repeated component"],
    ['("Date")', "an upper-case field name"],
    ['("@signature-params")', "@signature-params itself"],
    ['("content-digest";sf)', "a component parameter"],
    ["(date)", "a token instead of a string"],
    ['("@query-param";name="Pet")', "@query-param"],
  ])("refuses %s (%s)", (list) => {
    expect(buildSignatureBase(rfcRequest, params(list))).toBeUndefined();
  });

  it("refuses a field value with a line break", () => {
    const message = { ...rfcRequest, field: () => "a\nb" };
    expect(buildSignatureBase(message, params('("x")'))).toBeUndefined();
  });
});

describe("normalizeAuthority", () => {
  it("lower-cases and drops default ports only", () => {
    expect(normalizeAuthority("Example.COM:443", "https")).toBe("example.com");
    expect(normalizeAuthority("example.com:80", "http")).toBe("example.com");
    expect(normalizeAuthority("example.com:8443", "https")).toBe("example.com:8443");
    expect(normalizeAuthority("example.com:443", "http")).toBe("example.com:443");
  });
});
