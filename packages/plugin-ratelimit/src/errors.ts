import { defineErrorCode } from "@portcullis/sdk";

/**
 * The package's error registry. Every code is documented in the README's Errors table.
 */
export const rateLimitErrors = {
  /** A request went over a limit. Status and message follow `error_code` and `error_message` (default 429). */
  EXCEEDED: defineErrorCode("PC_RATELIMIT_EXCEEDED", "API rate limit exceeded", 429),
  /**
   * The counter store (Redis) failed or was slower than `redis.timeout`. With `fault_tolerant` false the client gets
   * this 500; with true the request is let through and the failure only logged, at most once per 10 seconds.
   */
  STORE_FAILED: defineErrorCode("PC_RATELIMIT_STORE_FAILED", "An unexpected error occurred", 500),
} as const;
