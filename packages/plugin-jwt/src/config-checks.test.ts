import { describe, expect, it } from "vitest";
import { checkJwtConfig, isHttpUrl } from "./config-checks.js";

const base = { maximum_expiration: 0, claims_to_verify: null, jwks_uri: null, claims_to_headers: {} };

describe("checkJwtConfig", () => {
  it("passes Kong's defaults", () => {
    expect(checkJwtConfig(base)).toEqual([]);
  });

  it("uses Kong's messages for maximum_expiration", () => {
    expect(checkJwtConfig({ ...base, maximum_expiration: 60 })).toEqual([{ path: "claims_to_verify", message: "expected to contain: exp" }]);
    expect(checkJwtConfig({ ...base, maximum_expiration: 60, claims_to_verify: ["exp"] })).toEqual([]);
    expect(checkJwtConfig({ ...base, maximum_expiration: 31_536_001 })).toEqual([
      { path: "maximum_expiration", message: "value should be between 0 and 31536000" },
    ]);
  });

  it("checks jwks_uri and claims_to_headers", () => {
    expect(checkJwtConfig({ ...base, jwks_uri: "nope" })).toEqual([{ path: "jwks_uri", message: "must be an http or https URL" }]);
    expect(checkJwtConfig({ ...base, claims_to_headers: { a: "x-a", b: "x y", c: "X-Anonymous-Consumer" } })).toEqual([
      { path: "claims_to_headers.b", message: "must be a valid header name" },
      { path: "claims_to_headers.c", message: "must not be a consumer identity header" },
    ]);
  });
});

describe("isHttpUrl", () => {
  it("accepts only absolute http(s) URLs", () => {
    expect(isHttpUrl("https://idp.example/.well-known/jwks.json")).toBe(true);
    expect(isHttpUrl("http://127.0.0.1:8080/jwks")).toBe(true);
    expect(isHttpUrl("/relative")).toBe(false);
    expect(isHttpUrl("file:///etc/passwd")).toBe(false);
  });
});
