import { describe, expect, it } from "vitest";
import { signKongRequest, signRfc9421Request } from "./signing.js";

const date = "Thu, 01 Jan 2026 00:00:00 GMT";

describe("signKongRequest", () => {
  it("reproduces reference vector V1", () => {
    const signed = signKongRequest({ username: "bob", secret: "secret", algorithm: "hmac-sha1", headers: { Date: date } });
    expect(signed.authorization).toBe(
      'hmac username="bob", algorithm="hmac-sha1", headers="date", signature="OLk/ZXuQzsOFT9O+d4eWU5lohi4="',
    );
    expect(signed.date).toBeUndefined();
  });

  it("reproduces V2 (sha512) and V3", () => {
    expect(
      signKongRequest({
        username: "bob",
        secret: "secret",
        algorithm: "hmac-sha512",
        path: "/request",
        headers: { date, "content-md5": "md5" },
        headerNames: ["date", "content-md5", "request-line"],
      }).authorization,
    ).toContain('signature="WwIfRFoyLLqK5OahcIaDIERRRFRsvNQoS4GzBv+55gxwAntl+GXtavflMkekn8gVZoZvmiXkwAPgqkE6NTylVA=="');
    expect(
      signKongRequest({
        username: "bob",
        secret: Buffer.from("secret"),
        path: "/request?name=foo",
        headers: { date },
        headerNames: ["date", "@request-target"],
      }).authorization,
    ).toContain('signature="rA/dV2RtNUBa89ze1I/VHxbP5x4WZAc1qGTqhM/meDA="');
  });

  it("adds a Date header when none is supplied", () => {
    const signed = signKongRequest({ username: "bob", secret: "secret", algorithm: "hmac-sha1", now: new Date(Date.UTC(2026, 0, 1)) });
    expect(signed.date).toBe(date);
    expect(signed.authorization).toContain('signature="OLk/ZXuQzsOFT9O+d4eWU5lohi4="');
  });
});

describe("signRfc9421Request", () => {
  it("reproduces RFC 9421 B.2.5", () => {
    const signed = signRfc9421Request({
      keyId: "test-shared-secret",
      secret: Buffer.from(
        "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==",
        "base64",
      ),
      method: "POST",
      url: "https://example.com/foo?param=Value&Pet=dog",
      headers: { Date: "Tue, 20 Apr 2021 02:07:55 GMT", "Content-Type": "application/json" },
      components: ["date", "@authority", "content-type"],
      created: 1618884473,
      label: "sig-b25",
    });
    expect(signed).toEqual({
      "signature-input": 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
      signature: "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
    });
  });

  it("writes expires, nonce, alg and tag parameters", () => {
    const signed = signRfc9421Request({
      keyId: "k",
      secret: "s",
      url: "http://example.com/",
      created: 10,
      expires: 20,
      nonce: "n",
      includeAlgorithm: true,
      tag: "t",
    });
    expect(signed["signature-input"]).toBe(
      'sig1=("@method" "@authority" "@path");created=10;expires=20;nonce="n";alg="hmac-sha256";keyid="k";tag="t"',
    );
  });

  it("refuses to sign a component it cannot build", () => {
    expect(() => signRfc9421Request({ keyId: "k", secret: "s", url: "http://example.com/", components: ["x-missing"] })).toThrow(
      TypeError,
    );
  });
});
