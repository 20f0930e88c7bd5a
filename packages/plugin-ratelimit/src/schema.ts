import { rateLimitErrors } from "./errors.js";

/**
 * The `rate-limiting` config, field for field Kong's DB-less schema (`kong/plugins/rate-limiting/schema.lua`), plus
 * Redis Cluster/Sentinel settings and two extensions: `header_style` and `window_type`.
 * Cross-field checks (at least one limit, window order, required-when) live in `check-config.ts`.
 */

const limitField = (period: string) =>
  ({
    type: ["number", "null"],
    exclusiveMinimum: 0,
    description: `Requests allowed per ${period}. At least one period must be set.`,
  }) as const;

const portField = { type: "integer", minimum: 1, maximum: 65535, default: 6379, description: "Port of the node." } as const;

const clusterNode = {
  type: "object",
  description: "One Redis Cluster seed node.",
  properties: { ip: { type: "string", minLength: 1, description: "Host name or IP address of the node." }, port: portField },
  required: ["ip"],
  additionalProperties: false,
} as const;

const sentinelNode = {
  type: "object",
  description: "One Redis Sentinel.",
  properties: { host: { type: "string", minLength: 1, description: "Host name or IP address of the sentinel." }, port: portField },
  required: ["host"],
  additionalProperties: false,
} as const;

export const redisSchema = {
  type: "object",
  description: "Redis connection settings, used when `policy` is `redis`.",
  default: {},
  properties: {
    host: { type: ["string", "null"], description: "Redis host. Required for the redis policy unless cluster or sentinel nodes are set." },
    port: { type: "integer", minimum: 1, maximum: 65535, default: 6379, description: "Redis port." },
    timeout: {
      type: "integer",
      minimum: 1,
      default: 2000,
      description: "Connect and command timeout in milliseconds. A slower Redis counts as down (see `fault_tolerant`).",
    },
    username: { type: ["string", "null"], description: "Redis ACL username (Redis 6+)." },
    password: { type: ["string", "null"], writeOnly: true, description: "Redis password (AUTH)." },
    database: { type: "integer", minimum: 0, default: 0, description: "Redis database number (standalone and sentinel only)." },
    ssl: { type: "boolean", default: false, description: "Connect over TLS." },
    ssl_verify: { type: "boolean", default: false, description: "Verify the server certificate when `ssl` is true." },
    server_name: { type: ["string", "null"], description: "TLS SNI server name; also the name verified against the certificate." },
    cluster_nodes: {
      type: ["array", "null"],
      minItems: 1,
      items: clusterNode,
      description: "Redis Cluster seed nodes. When set, the client is an ioredis Cluster and `host`/`database` are ignored.",
    },
    sentinel_nodes: {
      type: ["array", "null"],
      minItems: 1,
      items: sentinelNode,
      description: "Redis Sentinel nodes. When set, the master named `sentinel_master` is discovered through them.",
    },
    sentinel_master: { type: ["string", "null"], description: "The master name the sentinels monitor. Required with `sentinel_nodes`." },
    sentinel_username: { type: ["string", "null"], description: "ACL username for the sentinels themselves." },
    sentinel_password: { type: ["string", "null"], writeOnly: true, description: "Password for the sentinels themselves." },
  },
  additionalProperties: false,
} as const;

const deprecatedShorthand = <const S extends object>(target: string, schema: S) =>
  ({ ...schema, deprecated: true, description: `Deprecated shorthand for \`redis.${target}\`; when set, it wins over it (Kong).` }) as const;

export const configSchema = {
  type: "object",
  properties: {
    second: limitField("second"),
    minute: limitField("minute"),
    hour: limitField("hour"),
    day: limitField("day"),
    month: limitField("month"),
    year: limitField("year"),
    limit_by: {
      type: "string",
      enum: ["consumer", "credential", "ip", "service", "header", "path"],
      default: "consumer",
      description: "What a counter is kept per. Every choice falls back to the client IP when its value is missing.",
    },
    header_name: {
      type: ["string", "null"],
      pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
      description: "The header whose first value identifies the client when `limit_by` is `header`.",
    },
    path: {
      type: ["string", "null"],
      pattern: "^(?!.*//)/",
      description: "The request path counted on its own when `limit_by` is `path`; other paths count per client IP.",
    },
    policy: {
      type: "string",
      enum: ["local", "redis"],
      default: "local",
      description: "Where counters live: `local` (this process) or `redis` (shared by every gateway instance).",
    },
    fault_tolerant: {
      type: "boolean",
      default: true,
      description: "When the store fails: true proxies the request without rate-limit headers, false answers 500.",
    },
    redis: redisSchema,
    hide_client_headers: { type: "boolean", default: false, description: "Send no rate-limit headers at all, not even Retry-After." },
    error_code: { type: "number", exclusiveMinimum: 0, default: rateLimitErrors.EXCEEDED.status, description: "Status of the response to a limited request (400..599)." },
    error_message: { type: "string", default: rateLimitErrors.EXCEEDED.template, description: "Message of the response to a limited request." },
    sync_rate: {
      type: "number",
      default: -1,
      description: "Kong's batched Redis sync interval in seconds. -1 is synchronous; other values are accepted and behave as -1.",
    },
    header_style: {
      type: "string",
      enum: ["kong", "ietf", "both"],
      default: "kong",
      description:
        "Which headers to send: `kong` (X-RateLimit-*, RateLimit-Limit/Remaining/Reset), `ietf` (RateLimit-Policy and RateLimit of draft-ietf-httpapi-ratelimit-headers-11) or `both`.",
    },
    window_type: {
      type: "string",
      enum: ["fixed", "sliding"],
      default: "fixed",
      description:
        "`fixed`: UTC calendar windows, as Kong. `sliding`: the previous window's count, weighted by how much of it still overlaps, is added to the current one, so a burst at a boundary cannot double the rate.",
    },
    redis_host: deprecatedShorthand("host", { type: ["string", "null"] }),
    redis_port: deprecatedShorthand("port", { type: ["integer", "null"], minimum: 1, maximum: 65535 }),
    redis_password: deprecatedShorthand("password", { type: ["string", "null"], writeOnly: true }),
    redis_username: deprecatedShorthand("username", { type: ["string", "null"] }),
    redis_ssl: deprecatedShorthand("ssl", { type: ["boolean", "null"] }),
    redis_ssl_verify: deprecatedShorthand("ssl_verify", { type: ["boolean", "null"] }),
    redis_server_name: deprecatedShorthand("server_name", { type: ["string", "null"] }),
    redis_timeout: deprecatedShorthand("timeout", { type: ["integer", "null"], minimum: 1 }),
    redis_database: deprecatedShorthand("database", { type: ["integer", "null"], minimum: 0 }),
  },
  additionalProperties: false,
} as const;
