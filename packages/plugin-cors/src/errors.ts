import { defineErrorCode } from "@portcullis/sdk";

/**
 * The cors plugin's error registry. CORS never rejects a request (the browser enforces the answer), so the only
 * errors are configuration errors, raised at load. Every code is documented in the package README.
 */
export const corsErrors = {
  /**
   * An `origins` entry is neither `*` nor a valid regular expression. The message is Kong's. `checkConfig` reports
   * it with the entry's path; `create` throws it too, for a runner that skipped `checkConfig`.
   */
  ORIGIN_INVALID: defineErrorCode("PC_CORS_ORIGIN_INVALID", "cors: config.origins[%s]: '%s' is not a valid regex", 500),
} as const;
