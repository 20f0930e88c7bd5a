import type { ConfigIssue } from "@portcullis/sdk";

export const kongAlgorithms = ["hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512"] as const;
export type KongAlgorithm = (typeof kongAlgorithms)[number];

export const signatureFormats = ["kong", "rfc9421"] as const;
export type SignatureFormat = (typeof signatureFormats)[number];

/** The `hmac-auth` config. Kong's fields first, with Kong's defaults; Portcullis additions after. */
export const configSchema = {
  type: "object",
  properties: {
    hide_credentials: {
      type: "boolean",
      default: false,
      description: "Remove the header that carried the signature before proxying.",
    },
    clock_skew: {
      type: "number",
      default: 300,
      description:
        "Seconds a request's date/x-date (Kong format) or `created` (RFC 9421) may differ from now. Must be greater than 0.",
    },
    anonymous: {
      type: ["string", "null"],
      description:
        "Consumer id or username to use when authentication fails (logical OR with other auth plugins). Must exist at load.",
    },
    validate_request_body: {
      type: "boolean",
      default: false,
      description: "Check the body against the `Digest` header (Kong format) or `Content-Digest` (RFC 9421).",
    },
    enforce_headers: {
      type: "array",
      items: { type: "string" },
      default: [],
      description: "Kong format: header names that must be listed in the signature's `headers` field.",
    },
    algorithms: {
      type: "array",
      items: { type: "string", enum: kongAlgorithms },
      default: [...kongAlgorithms],
      description: "HMAC algorithms accepted in the Kong format. RFC 9421 uses `hmac-sha256`, which must be listed.",
    },
    realm: {
      type: ["string", "null"],
      description: 'When set, the 401 `WWW-Authenticate` header is `hmac realm="<realm>"` instead of `hmac`.',
    },
    max_body_size: {
      type: "integer",
      default: 1_048_576,
      description: "Bytes of body buffered for digest validation; a larger body gets a 413. Kong has no limit.",
    },
    signature_formats: {
      type: "array",
      items: { type: "string", enum: signatureFormats },
      minItems: 1,
      uniqueItems: true,
      default: ["kong"],
      description: "Accepted formats: Kong's `Authorization: hmac ...` header and/or RFC 9421 `Signature-Input`/`Signature`.",
    },
    rfc9421_required_components: {
      type: "array",
      items: { type: "string" },
      default: ["@method", "@authority", "@path"],
      description: "RFC 9421: component identifiers every accepted signature must cover.",
    },
    replay_protection: {
      type: "boolean",
      default: false,
      description: "Refuse a signature (or RFC 9421 nonce) seen before, within twice the clock skew window.",
    },
    replay_cache_size: {
      type: "integer",
      minimum: 1,
      default: 100_000,
      description: "Replay protection: the most signatures remembered; the least recently seen are forgotten first.",
    },
  },
  additionalProperties: false,
} as const;

/** One `hmacauth_credentials` row, as Kong declares it, plus `secret_encoding`. */
export const credentialSchema = {
  type: "object",
  properties: {
    username: { type: "string", minLength: 1, description: "Unique name the client sends as `username` / `keyid`." },
    secret: { type: "string", writeOnly: true, description: "The shared secret. A credential without one is skipped." },
    secret_encoding: {
      type: "string",
      enum: ["utf8", "base64"],
      default: "utf8",
      description: "How `secret` turns into key bytes: its UTF-8 bytes (Kong) or base64-decoded (RFC 9421 keys).",
    },
    tags: { type: "array", items: { type: "string" }, description: "Free-form tags." },
  },
  required: ["username"],
  additionalProperties: false,
} as const;

interface CheckedConfig {
  readonly clock_skew: number;
  readonly max_body_size: number;
  readonly algorithms: readonly string[];
  readonly signature_formats: readonly string[];
}

/** Checks JSON Schema cannot word as Kong does. */
export function checkConfig(config: CheckedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!(config.clock_skew > 0)) issues.push({ path: "clock_skew", message: "value must be greater than 0" });
  if (!(config.max_body_size > 0)) issues.push({ path: "max_body_size", message: "value must be greater than 0" });
  if (config.signature_formats.includes("rfc9421") && !config.algorithms.includes("hmac-sha256")) {
    issues.push({ path: "algorithms", message: "must include hmac-sha256 when signature_formats includes rfc9421" });
  }
  return issues;
}
