import type { JsonSchema } from "@portcullis/sdk";

/**
 * The header-stamp config. `as const satisfies JsonSchema` keeps the literal types that `definePlugin` infers the
 * config type from, and checks the object is a schema at all.
 */
export const headerStampConfigSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    header: {
      type: "string",
      minLength: 1,
      default: "x-stamp",
      description: "The header stamped on the upstream request and on the response.",
    },
    value: { type: "string", minLength: 1, description: "The stamp. Required." },
    require_key: {
      type: "boolean",
      default: false,
      description: "Answer 401 unless the request carries a known `x-stamp-key` (a `stamp_keys` credential).",
    },
    footer: {
      type: ["string", "null"],
      default: null,
      description: "A line appended to `text/*` response bodies. Null: bodies are left alone and not re-streamed.",
    },
  },
  required: ["value"],
} as const satisfies JsonSchema;

/** One `stamp_keys` credential of a consumer, as written under `consumers[].stamp_keys` in gateway.yaml. */
export const stampKeySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    key: { type: "string", minLength: 1, description: "The value clients send in `x-stamp-key`." },
  },
  required: ["key"],
} as const satisfies JsonSchema;
