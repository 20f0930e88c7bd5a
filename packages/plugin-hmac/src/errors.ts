import { defineErrorCode } from "@portcullis/sdk";

/**
 * The hmac-auth error registry. The 401 messages are Kong's exact strings, so a Kong client that reads `.message`
 * sees no difference. Every code is documented in the package README.
 */
export const hmacErrors = {
  /** Neither Authorization nor Proxy-Authorization (nor an RFC 9421 signature) was sent. */
  UNAUTHORIZED: defineErrorCode("PC_HMAC_UNAUTHORIZED", "Unauthorized", 401),
  /** Kong format: no `x-date` or `date` header parses as an HTTP date within `clock_skew` of now. */
  DATE_INVALID: defineErrorCode(
    "PC_HMAC_DATE_INVALID",
    "HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication",
    401,
  ),
  /** The signature header is malformed, names an unknown user or algorithm, or lacks an enforced header/component. */
  CANNOT_VERIFY: defineErrorCode("PC_HMAC_CANNOT_VERIFY", "HMAC signature cannot be verified", 401),
  /** The signature (or the body digest) does not match. */
  SIGNATURE_MISMATCH: defineErrorCode("PC_HMAC_SIGNATURE_MISMATCH", "HMAC signature does not match", 401),
  /** RFC 9421: `created` is missing, not an integer, or further than `clock_skew` from now. */
  CREATED_INVALID: defineErrorCode(
    "PC_HMAC_CREATED_INVALID",
    "HMAC signature cannot be verified, a valid created parameter is required",
    401,
  ),
  /** RFC 9421: `expires` is in the past (or not an integer). */
  SIGNATURE_EXPIRED: defineErrorCode("PC_HMAC_SIGNATURE_EXPIRED", "HMAC signature has expired", 401),
  /** `replay_protection` is on and this exact signature (or RFC 9421 nonce) was already accepted. */
  SIGNATURE_REPLAYED: defineErrorCode("PC_HMAC_SIGNATURE_REPLAYED", "HMAC signature has already been used", 401),
  /** The body had to be read for digest validation and was larger than `max_body_size`. */
  BODY_TOO_LARGE: defineErrorCode("PC_HMAC_BODY_TOO_LARGE", "Request body too large", 413),
  /** The body had to be read for digest validation and could not be (the client went away). */
  BODY_UNREADABLE: defineErrorCode("PC_HMAC_BODY_UNREADABLE", "Request body could not be read", 400),
  /** At load: `config.anonymous` names no consumer. Kong answers 500 per request instead. */
  ANONYMOUS_NOT_FOUND: defineErrorCode(
    "PC_HMAC_ANONYMOUS_NOT_FOUND",
    "hmac-auth: config.anonymous: anonymous consumer %s is configured but doesn't exist",
    500,
  ),
  /** At load: two hmacauth_credentials share a username (Kong enforces uniqueness). */
  DUPLICATE_USERNAME: defineErrorCode(
    "PC_HMAC_DUPLICATE_USERNAME",
    "hmac-auth: hmacauth_credentials.username: %s is used by more than one credential",
    500,
  ),
  /** At load: a credential with `secret_encoding: base64` holds a secret that is not base64. */
  SECRET_INVALID: defineErrorCode(
    "PC_HMAC_SECRET_INVALID",
    "hmac-auth: hmacauth_credentials.secret of %s is not valid base64",
    500,
  ),
} as const;

export type HmacErrorCode = (typeof hmacErrors)[keyof typeof hmacErrors];
