import { describe, expect, it } from "vitest";
import { contentDigest, contentDigestMatches, kongDigest, kongDigestMatches } from "./body-digest.js";

const kongBody = '{"a":"apple","b":"ball"}';
const rfcBody = '{"hello": "world"}';

describe("Kong Digest", () => {
  it("matches reference vector V4 and the empty-body digest", () => {
    expect(kongDigest(kongBody)).toBe("SHA-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=");
    expect(kongDigest("")).toBe("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  });

  it("passes an absent digest only for an empty body, and otherwise needs an exact match", () => {
    expect(kongDigestMatches(undefined, Buffer.alloc(0))).toBe(true);
    expect(kongDigestMatches(undefined, Buffer.from("x"))).toBe(false);
    expect(kongDigestMatches("SHA-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=", Buffer.from(kongBody))).toBe(true);
    expect(kongDigestMatches("SHA-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=spoofed", Buffer.from(kongBody))).toBe(false);
    expect(kongDigestMatches("sha-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=", Buffer.from(kongBody))).toBe(false);
    expect(kongDigestMatches(kongDigest(kongBody), Buffer.from("abc"))).toBe(false);
  });
});

describe("RFC 9530 Content-Digest", () => {
  it("matches RFC 9421 B.2's sha-512 digest and RFC 9530's sha-256 example", () => {
    expect(contentDigest(rfcBody, ["sha-512"])).toBe(
      "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    );
    expect(contentDigest(rfcBody)).toBe("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:");
    expect(contentDigest(rfcBody, ["sha-256", "sha-512"])).toContain(", sha-512=:");
  });

  it("checks every supported algorithm present and ignores unknown ones", () => {
    const body = Buffer.from(rfcBody);
    expect(contentDigestMatches(contentDigest(rfcBody, ["sha-512"]), body)).toBe(true);
    expect(contentDigestMatches(`md5=:AAAA:, ${contentDigest(rfcBody)}`, body)).toBe(true);
    expect(contentDigestMatches(contentDigest(rfcBody, ["sha-256", "sha-512"]), body)).toBe(true);
    expect(contentDigestMatches(`${contentDigest(rfcBody)}, sha-512=:AAAA:`, body)).toBe(false);
    expect(contentDigestMatches(contentDigest("tampered"), body)).toBe(false);
  });

  it.each([undefined, "md5=:AAAA:", "sha-256=abc", "sha-256=:not base64!:", "sha-256=(:AAAA:)", "garbage ="])(
    "refuses %j",
    (header) => {
      expect(contentDigestMatches(header, Buffer.from(rfcBody))).toBe(false);
    },
  );
});
