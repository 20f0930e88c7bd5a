import { describe, expect, it } from "vitest";
import { checkClaims, createClaimPolicy } from "./claim-checks.js";

const now = 1_000_000;
const policy = (overrides: Partial<Parameters<typeof createClaimPolicy>[0]> = {}) =>
  createClaimPolicy({ claims_to_verify: ["exp", "nbf"], maximum_expiration: 0, leeway: 0, required_claims: [], ...overrides });

describe("checkClaims: Kong's registered claims (parser spec)", () => {
  it("requires numbers", () => {
    expect(checkClaims({ sub: "foo" }, policy(), now)).toEqual({ exp: "must be a number", nbf: "must be a number" });
    expect(checkClaims({ exp: "1", nbf: "1" }, policy(), now)).toEqual({ exp: "must be a number", nbf: "must be a number" });
  });

  it("expires at exp (exp <= now) and is not valid before nbf (nbf > now)", () => {
    expect(checkClaims({ exp: now - 10, nbf: now }, policy(), now)).toEqual({ exp: "token expired" });
    expect(checkClaims({ exp: now, nbf: now }, policy(), now)).toEqual({ exp: "token expired" });
    expect(checkClaims({ exp: now + 1, nbf: now + 10 }, policy(), now)).toEqual({ nbf: "token not valid yet" });
    expect(checkClaims({ exp: now + 1, nbf: now }, policy(), now)).toBeUndefined();
  });

  it("keeps the config order in the body", () => {
    expect(Object.keys(checkClaims({}, policy({ claims_to_verify: ["nbf", "exp"] }), now) ?? {})).toEqual(["nbf", "exp"]);
  });

  it("checks nothing when claims_to_verify is absent", () => {
    expect(checkClaims({ exp: 0 }, policy({ claims_to_verify: null }), now)).toBeUndefined();
  });
});

describe("checkClaims: maximum_expiration", () => {
  it("refuses a missing exp or one too far ahead", () => {
    const maximum = policy({ claims_to_verify: [], maximum_expiration: 300 });
    expect(checkClaims({}, maximum, now)).toEqual({ exp: "exceeds maximum allowed expiration" });
    expect(checkClaims({ exp: now + 301 }, maximum, now)).toEqual({ exp: "exceeds maximum allowed expiration" });
    expect(checkClaims({ exp: now + 300 }, maximum, now)).toBeUndefined();
  });
});

describe("checkClaims: policy", () => {
  it("applies leeway to exp and nbf", () => {
    const lenient = policy({ leeway: 30 });
    expect(checkClaims({ exp: now - 29, nbf: now + 30 }, lenient, now)).toBeUndefined();
    expect(checkClaims({ exp: now - 30, nbf: now }, lenient, now)).toEqual({ exp: "token expired" });
  });

  it("checks required claims, issuers and audiences together", () => {
    const strict = policy({ claims_to_verify: [], required_claims: ["sub"], allowed_issuers: ["a"], allowed_audiences: ["x"] });
    expect(checkClaims({ iss: "b", aud: ["y"] }, strict, now)).toEqual({
      sub: "required claim missing",
      iss: "issuer not allowed",
      aud: "audience not allowed",
    });
    expect(checkClaims({ sub: "s", iss: "a", aud: ["y", "x"] }, strict, now)).toBeUndefined();
    expect(checkClaims({ sub: "s", iss: "a", aud: 5 }, strict, now)).toEqual({ aud: "audience not allowed" });
  });
});
