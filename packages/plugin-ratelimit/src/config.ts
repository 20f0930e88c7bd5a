import type { InferConfig } from "@portcullis/sdk";
import type { configSchema } from "./schema.js";

/** The validated `rate-limiting` config, with defaults applied. */
export type RateLimitingConfig = InferConfig<typeof configSchema>;
