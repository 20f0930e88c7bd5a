/**
 * The `cors` config, field for field Kong's `kong/plugins/cors/schema.lua`, plus one opt-in flag
 * (`allow_any_origin_with_credentials`) that restores a Kong behaviour we do not copy by default.
 * Optional fields also accept `null`, as `deck` exports and hand-written `kong.yml` files often carry them.
 */

/** Kong's one_of list for `methods`, in Kong's order; also the default. */
export const corsMethods = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"] as const;

export const corsConfigSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    origins: {
      type: ["array", "null"],
      items: { type: "string" },
      description:
        "Allowed origins: `*`, an exact origin (`https://app.example`), or a regular expression (anchored at both ends). " +
        "An entry without `:` is matched against the request origin's host only. Absent, empty or `[\"*\"]` allows every origin.",
    },
    methods: {
      type: ["array", "null"],
      items: { type: "string", enum: corsMethods },
      default: [...corsMethods],
      description: "`Access-Control-Allow-Methods` on preflight responses.",
    },
    headers: {
      type: ["array", "null"],
      items: { type: "string" },
      description:
        "`Access-Control-Allow-Headers` on preflight responses. Absent or empty: the request's `Access-Control-Request-Headers` is echoed.",
    },
    exposed_headers: {
      type: ["array", "null"],
      items: { type: "string" },
      description: "`Access-Control-Expose-Headers` on non-preflight responses.",
    },
    max_age: {
      type: ["number", "null"],
      description: "`Access-Control-Max-Age` (seconds) on preflight responses. Absent: not sent.",
    },
    credentials: {
      type: "boolean",
      default: false,
      description: "Send `Access-Control-Allow-Credentials: true` for allowed origins.",
    },
    private_network: {
      type: "boolean",
      default: false,
      description:
        "Answer `Access-Control-Request-Private-Network: true` preflights with `Access-Control-Allow-Private-Network: true`.",
    },
    preflight_continue: {
      type: "boolean",
      default: false,
      description: "Proxy preflight requests to the upstream instead of answering them, adding no CORS headers.",
    },
    allow_origin_absent: {
      type: "boolean",
      default: true,
      description: "When false, responses to requests without an `Origin` header get no CORS headers.",
    },
    allow_any_origin_with_credentials: {
      type: "boolean",
      default: false,
      description:
        "Not in Kong. With `credentials` and a `*` origin, Kong echoes every request Origin with credentials, trusting " +
        "every site with the user's cookies. Portcullis sends `*` without credentials unless this is true.",
    },
  },
} as const;
