import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { formatHttpVersion, kongSigningString } from "./kong-signing-string.js";

const date = "Thu, 01 Jan 2026 00:00:00 GMT";

function request(headers: Record<string, string>, method = "GET", requestUri = "/request", httpVersion = "1.1") {
  return {
    method,
    requestUri,
    httpVersion,
    header: (name: string) => headers[name.toLowerCase()],
  };
}

const hmac = (algorithm: string, text: string) => createHmac(algorithm, "secret").update(text).digest("base64");

describe("kongSigningString (reference vectors V1-V5)", () => {
  it("V1: headers=date", () => {
    const text = kongSigningString(["date"], request({ date }));
    expect(text).toBe(`date: ${date}`);
    expect(hmac("sha1", text)).toBe("OLk/ZXuQzsOFT9O+d4eWU5lohi4=");
  });

  it("V2: date content-md5 request-line, all four algorithms", () => {
    const text = kongSigningString(["date", "content-md5", "request-line"], request({ date, "content-md5": "md5" }));
    expect(text).toBe(`date: ${date}\ncontent-md5: md5\nGET /request HTTP/1.1`);
    expect(hmac("sha1", text)).toBe("HKMkvO5Zvk6Q386jgD76r6WAq9o=");
    expect(hmac("sha256", text)).toBe("xaOT+o+/R0inBg+o/a/XMUFpUP7lHEEJnW2xxAL+KWw=");
    expect(hmac("sha384", text)).toBe("HyM+1o6L4/PXZa/nDmvkXnFc+qklc3derW0Bp4xEgZPNezg2bl2kdNchB4KrG7tU");
    expect(hmac("sha512", text)).toBe(
      "WwIfRFoyLLqK5OahcIaDIERRRFRsvNQoS4GzBv+55gxwAntl+GXtavflMkekn8gVZoZvmiXkwAPgqkE6NTylVA==",
    );
  });

  it("V3: @request-target lower-cases the method and keeps the raw query", () => {
    const text = kongSigningString(["date", "@request-target"], request({ date }, "GET", "/request?name=foo"));
    expect(text).toBe(`date: ${date}\n@request-target: get /request?name=foo`);
    expect(hmac("sha256", text)).toBe("rA/dV2RtNUBa89ze1I/VHxbP5x4WZAc1qGTqhM/meDA=");
  });

  it("V4: digest is signed like any header", () => {
    const digest = "SHA-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=";
    const text = kongSigningString(["date", "digest"], request({ date, digest }, "POST"));
    expect(hmac("sha1", text)).toBe("Sjhp5p015Jzt3MybULuiruAvEl0=");
  });

  it("V5: an absent header becomes `name:`", () => {
    const text = kongSigningString(["date", "x-missing"], request({ date }));
    expect(text).toBe(`date: ${date}\nx-missing:`);
    expect(hmac("sha1", text)).toBe("KC0a4nCKLTu8NzQ/jxL2BMIKt7s=");
  });

  it("writes names exactly as listed and looks them up case-insensitively", () => {
    expect(kongSigningString(["Date"], request({ date }))).toBe(`Date: ${date}`);
  });

  it("prints the HTTP version with one decimal", () => {
    expect(kongSigningString(["request-line"], request({}, "GET", "/", "1.0"))).toBe("GET / HTTP/1.0");
    expect(kongSigningString(["request-line"], request({}, "POST", "/", "2"))).toBe("POST / HTTP/2.0");
    expect(formatHttpVersion("2.0")).toBe("2.0");
    expect(formatHttpVersion("weird")).toBe("weird");
  });

  it("prefers a header actually sent under a derived name, and an empty item gives `:`", () => {
    expect(kongSigningString(["request-line", ""], request({ "request-line": "spoof" }))).toBe("request-line: spoof\n:");
  });
});
