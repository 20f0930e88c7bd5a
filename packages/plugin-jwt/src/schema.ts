import { algorithms } from "./algorithms.js";

/**
 * The jwt plugin's config: Kong's fields with Kong's defaults, then the Portcullis additions (JWKS, claim policy,
 * the verified-token cache, the token size limit). `null` is accepted wherever Kong's own exports write it.
 */
export const configSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    uri_param_names: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      default: ["jwt"],
      description: "Query parameters inspected for a token, in order.",
    },
    cookie_names: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      default: [],
      description: "Cookies inspected for a token, in order.",
    },
    header_names: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      default: ["authorization"],
      description: "Headers inspected for `Bearer <token>` (case-insensitive; only the first value of a repeated header).",
    },
    key_claim_name: {
      type: "string",
      minLength: 1,
      default: "iss",
      description: "The claim (then the JWT header field) holding the credential `key`.",
    },
    secret_is_base64: {
      type: "boolean",
      default: false,
      description: "HS* only: the stored `secret` is base64 and is decoded before use.",
    },
    claims_to_verify: {
      type: ["array", "null"],
      items: { type: "string", enum: ["exp", "nbf"] },
      uniqueItems: true,
      description: "Registered claims to verify: `exp` and/or `nbf`.",
    },
    anonymous: {
      type: ["string", "null"],
      minLength: 1,
      description: "Consumer id or username used when authentication fails (logical OR with other auth plugins).",
    },
    run_on_preflight: {
      type: "boolean",
      default: true,
      description: "When false, `OPTIONS` requests skip authentication entirely.",
    },
    maximum_expiration: {
      type: "number",
      default: 0,
      description: "Maximum seconds between now and `exp` (0 disables; at most 31536000). Needs `exp` in claims_to_verify.",
    },
    realm: {
      type: ["string", "null"],
      description: "Realm sent in `WWW-Authenticate`.",
    },
    maximum_token_length: {
      type: "integer",
      minimum: 16,
      default: 8192,
      description: "Tokens longer than this many bytes are refused before any decoding (401 `Bad token; too large`).",
    },
    jwks_uri: {
      type: ["string", "null"],
      description:
        "A JWK Set (http or https) used for asymmetric credentials that have neither `rsa_public_key` nor their own `jwks_uri`.",
    },
    jwks_refresh_interval: {
      type: "number",
      exclusiveMinimum: 0,
      default: 300,
      description: "Seconds between background refreshes of every JWK Set.",
    },
    jwks_min_refresh_interval: {
      type: "number",
      minimum: 0,
      default: 30,
      description: "Minimum seconds between two fetches of one JWK Set when a token names an unknown `kid`.",
    },
    jwks_timeout: {
      type: "integer",
      minimum: 1,
      default: 5000,
      description: "Milliseconds a JWK Set fetch may take before it is abandoned.",
    },
    allowed_issuers: {
      type: ["array", "null"],
      items: { type: "string" },
      uniqueItems: true,
      description: "When set, the `iss` claim must be one of these.",
    },
    allowed_audiences: {
      type: ["array", "null"],
      items: { type: "string" },
      uniqueItems: true,
      description: "When set, `aud` (a string or an array) must contain one of these.",
    },
    leeway: {
      type: "number",
      minimum: 0,
      maximum: 3600,
      default: 0,
      description: "Seconds of clock skew tolerated by the `exp` and `nbf` checks.",
    },
    required_claims: {
      type: "array",
      items: { type: "string", minLength: 1 },
      uniqueItems: true,
      default: [],
      description: "Claims that must be present in every token.",
    },
    claims_to_headers: {
      type: "object",
      additionalProperties: { type: "string", minLength: 1 },
      default: {},
      description: "Claim name to upstream header name; the header is set from the verified claim, or removed.",
    },
    cache_size: {
      type: "integer",
      minimum: 0,
      default: 10000,
      description: "Verified tokens remembered per plugin instance to skip signature checks (0 disables).",
    },
  },
} as const;

/** One `jwt_secrets` credential (Kong's entity, plus `jwks_uri`). */
export const credentialSchema = {
  type: "object",
  additionalProperties: false,
  required: ["key"],
  properties: {
    key: {
      type: "string",
      minLength: 1,
      description: "Unique; the value the token's key claim (`iss` by default) must carry.",
    },
    secret: {
      type: "string",
      writeOnly: true,
      description: "HS* secret (base64 when the plugin sets `secret_is_base64`).",
    },
    algorithm: {
      type: "string",
      enum: algorithms,
      default: "HS256",
      description: "The one algorithm this credential's key is used with.",
    },
    rsa_public_key: {
      type: "string",
      description: "PEM public key for RS*, PS*, ES* and EdDSA (SPKI, PKCS#1 or a certificate).",
    },
    jwks_uri: {
      type: "string",
      description: "A JWK Set whose keys (selected by the token's `kid`) verify this credential's tokens.",
    },
    tags: { type: "array", items: { type: "string" }, description: "Free-form tags (Kong)." },
    created_at: { type: "number", description: "Creation time (Kong exports carry it; ignored)." },
  },
} as const;
