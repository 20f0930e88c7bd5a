import { describe, expect, it } from "vitest";
import { decodeBase64url, decodeToken, ownValue } from "./token-decoding.js";

const b64 = (value: string) => Buffer.from(value).toString("base64url");
const header = b64('{"typ":"JWT","alg":"HS256"}');
const payload = b64('{"iss":"k"}');

describe("decodeBase64url", () => {
  it("is strict about the alphabet and the length", () => {
    expect(decodeBase64url("aGk")?.toString()).toBe("hi");
    expect(decodeBase64url("")?.length).toBe(0);
    expect(decodeBase64url("aGk=")).toBeUndefined();
    expect(decodeBase64url("a+/b")).toBeUndefined();
    expect(decodeBase64url("abcde")).toBeUndefined();
    expect(decodeBase64url("a.b")).toBeUndefined();
  });
});

describe("decodeToken", () => {
  it("decodes a well-formed token", () => {
    const result = decodeToken(`${header}.${payload}.${b64("sig")}`);
    expect(result.ok && result.token.algorithm).toBe("HS256");
    expect(result.ok && result.token.claims).toEqual({ iss: "k" });
    expect(result.ok && result.token.signature.toString()).toBe("sig");
  });

  it("reports Kong's reasons in Kong's order", () => {
    expect(decodeToken("x")).toEqual({ ok: false, reason: "invalid JSON" });
    expect(decodeToken(`${header}.${payload}`)).toEqual({ ok: false, reason: "invalid JSON" });
    expect(decodeToken(`${b64("{")}.${payload}.x`)).toEqual({ ok: false, reason: "invalid JSON" });
    expect(decodeToken(`${header}.${b64('"str"')}.x`)).toEqual({ ok: false, reason: "invalid JSON" });
    // A bad alg and a bad signature together: alg is reported first.
    expect(decodeToken(`${b64('{"alg":"none"}')}.${payload}.$`)).toEqual({ ok: false, reason: "invalid alg" });
    expect(decodeToken(`${header}.${payload}.$`)).toEqual({ ok: false, reason: "invalid signature" });
    expect(decodeToken(`${header}.${payload}.a.b`)).toEqual({ ok: false, reason: "invalid signature" });
  });

  it("reads alg only as an own property", () => {
    expect(decodeToken(`${b64('{"__proto__":{"alg":"HS256"}}')}.${payload}.x`)).toEqual({ ok: false, reason: "invalid alg" });
  });
});

describe("ownValue", () => {
  it("ignores inherited members", () => {
    expect(ownValue({ a: 1 }, "a")).toBe(1);
    expect(ownValue({}, "constructor")).toBeUndefined();
    expect(ownValue({}, "toString")).toBeUndefined();
  });
});
