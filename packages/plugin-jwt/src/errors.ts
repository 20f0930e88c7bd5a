import { defineErrorCode } from "@portcullis/sdk";

/**
 * The jwt plugin's error registry. Request-time codes carry Kong's exact messages (status 401); load-time codes
 * refuse a config or credential before anything listens. Every code is documented in the README.
 */
export const jwtErrors = {
  /** No token in the configured query parameters, cookies or headers. */
  TOKEN_MISSING: defineErrorCode("PC_JWT_TOKEN_MISSING", "Unauthorized", 401),
  /** More than one distinct token was sent. */
  MULTIPLE_TOKENS: defineErrorCode("PC_JWT_MULTIPLE_TOKENS", "Multiple tokens provided", 401),
  /** A query parameter named like a token carried no value (`?jwt`). */
  TOKEN_UNRECOGNIZABLE: defineErrorCode("PC_JWT_TOKEN_UNRECOGNIZABLE", "Unrecognizable token", 401),
  /** The token is longer than `maximum_token_length`. */
  TOKEN_TOO_LARGE: defineErrorCode("PC_JWT_TOKEN_TOO_LARGE", "Bad token; too large", 401),
  /** Not three segments, bad base64url, or a header or payload that is not a JSON object. */
  TOKEN_INVALID_JSON: defineErrorCode("PC_JWT_TOKEN_INVALID_JSON", "Bad token; invalid JSON", 401),
  /** The header `alg` is missing, not a string, or not one of the supported algorithms (`none` included). */
  TOKEN_INVALID_ALG: defineErrorCode("PC_JWT_TOKEN_INVALID_ALG", "Bad token; invalid alg", 401),
  /** The signature segment is not base64url. */
  TOKEN_INVALID_SIGNATURE_ENCODING: defineErrorCode("PC_JWT_TOKEN_INVALID_SIGNATURE_ENCODING", "Bad token; invalid signature", 401),
  /** Neither the claims nor the header carry `key_claim_name`. */
  KEY_CLAIM_MISSING: defineErrorCode("PC_JWT_KEY_CLAIM_MISSING", "No mandatory '%s' in claims", 401),
  /** The key claim is empty or not a string. */
  KEY_CLAIM_INVALID: defineErrorCode("PC_JWT_KEY_CLAIM_INVALID", "Invalid '%s' in claims", 401),
  /** No `jwt_secrets` credential has that key. */
  CREDENTIAL_NOT_FOUND: defineErrorCode("PC_JWT_CREDENTIAL_NOT_FOUND", "No credentials found for given '%s'", 401),
  /** The header `alg` differs from the credential's algorithm. */
  ALGORITHM_MISMATCH: defineErrorCode("PC_JWT_ALGORITHM_MISMATCH", "Invalid algorithm", 401),
  /** The credential has no usable key (ES* without `rsa_public_key`, a secret that is not base64 under `secret_is_base64`). */
  KEY_INVALID: defineErrorCode("PC_JWT_KEY_INVALID", "Invalid key/secret", 401),
  /** The signature does not verify, or no JWK Set key matches the token's `kid` yet. */
  SIGNATURE_INVALID: defineErrorCode("PC_JWT_SIGNATURE_INVALID", "Invalid signature", 401),
  /** A claim check failed; the body is the claim-error object (e.g. `{"exp":"token expired"}`), without `message`. */
  CLAIMS_INVALID: defineErrorCode("PC_JWT_CLAIMS_INVALID", "%s", 401),
  /** The credential's consumer does not exist. */
  CONSUMER_NOT_FOUND: defineErrorCode("PC_JWT_CONSUMER_NOT_FOUND", "Could not find consumer for '%s=%s'", 401),
  /** Load time: `config.anonymous` names no consumer. */
  ANONYMOUS_NOT_FOUND: defineErrorCode(
    "PC_JWT_ANONYMOUS_NOT_FOUND",
    "plugin 'jwt': config.anonymous: anonymous consumer %s is configured but doesn't exist",
    500,
  ),
  /** Load time: a `jwt_secrets` credential is unusable (missing or unparsable key, duplicate key, bad `jwks_uri`). */
  CREDENTIAL_INVALID: defineErrorCode("PC_JWT_CREDENTIAL_INVALID", "plugin 'jwt': %s", 500),
} as const;
