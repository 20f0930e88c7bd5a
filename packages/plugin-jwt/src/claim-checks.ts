import { type JsonObject, ownValue } from "./token-decoding.js";

export type RegisteredClaim = "exp" | "nbf";

/** Every claim rule, resolved once at load. */
export interface ClaimPolicy {
  readonly claimsToVerify: readonly RegisteredClaim[];
  /** Seconds; 0 disables. */
  readonly maximumExpiration: number;
  /** Seconds of tolerated clock skew for `exp` and `nbf`. */
  readonly leeway: number;
  readonly requiredClaims: readonly string[];
  readonly allowedIssuers: ReadonlySet<string> | undefined;
  readonly allowedAudiences: ReadonlySet<string> | undefined;
}

/** A claim-error body, e.g. `{"exp":"token expired"}`: Kong sends it as the whole body, with no `message`. */
export type ClaimErrors = Record<string, string>;

export function createClaimPolicy(config: {
  readonly claims_to_verify?: readonly RegisteredClaim[] | null;
  readonly maximum_expiration: number;
  readonly leeway: number;
  readonly required_claims: readonly string[];
  readonly allowed_issuers?: readonly string[] | null;
  readonly allowed_audiences?: readonly string[] | null;
}): ClaimPolicy {
  return {
    claimsToVerify: [...(config.claims_to_verify ?? [])],
    maximumExpiration: config.maximum_expiration,
    leeway: config.leeway,
    requiredClaims: [...config.required_claims],
    allowedIssuers: config.allowed_issuers == null ? undefined : new Set(config.allowed_issuers),
    allowedAudiences: config.allowed_audiences == null ? undefined : new Set(config.allowed_audiences),
  };
}

function audienceAllowed(audience: unknown, allowed: ReadonlySet<string>): boolean {
  if (typeof audience === "string") return allowed.has(audience);
  if (Array.isArray(audience)) return audience.some((value) => typeof value === "string" && allowed.has(value));
  return false;
}

/**
 * Runs the claim rules in Kong's order and returns the first failing group's errors, or undefined when the token
 * passes: `claims_to_verify` (all errors collected, in config order), then `maximum_expiration`, then the
 * Portcullis policy (required claims, issuer and audience allow-lists). `nowSeconds` is whole seconds, as
 * `ngx.time()`.
 */
export function checkClaims(claims: JsonObject, policy: ClaimPolicy, nowSeconds: number): ClaimErrors | undefined {
  let errors: ClaimErrors | undefined;
  for (const name of policy.claimsToVerify) {
    const value = ownValue(claims, name);
    if (typeof value !== "number") {
      (errors ??= {})[name] = "must be a number";
    } else if (name === "exp") {
      if (value <= nowSeconds - policy.leeway) (errors ??= {}).exp = "token expired";
    } else if (value > nowSeconds + policy.leeway) {
      (errors ??= {}).nbf = "token not valid yet";
    }
  }
  if (errors !== undefined) return errors;

  if (policy.maximumExpiration > 0) {
    const expiration = ownValue(claims, "exp");
    if (typeof expiration !== "number" || expiration - nowSeconds > policy.maximumExpiration) {
      return { exp: "exceeds maximum allowed expiration" };
    }
  }

  for (const name of policy.requiredClaims) {
    const value = ownValue(claims, name);
    if (value === undefined || value === null) (errors ??= {})[name] = "required claim missing";
  }
  if (policy.allowedIssuers !== undefined) {
    const issuer = ownValue(claims, "iss");
    if (typeof issuer !== "string" || !policy.allowedIssuers.has(issuer)) (errors ??= {}).iss = "issuer not allowed";
  }
  if (policy.allowedAudiences !== undefined && !audienceAllowed(ownValue(claims, "aud"), policy.allowedAudiences)) {
    (errors ??= {}).aud = "audience not allowed";
  }
  return errors;
}
