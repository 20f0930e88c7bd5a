/**
 * The JSON Schema of Kong's declarative config document (`_format_version` 3.0, with 1.1 and 2.1 migrated), limited
 * to the entities Portcullis supports. It checks structure, types, ranges and enumerations and fills in every
 * default that does not depend on another field. Rules that relate several fields (url vs host, protocol groups,
 * hash_on rules), name syntax, route paths and references are checked in code, where the messages can be Kong's.
 *
 * Kept free of `anyOf`/`oneOf`: ajv ignores defaults under them, and their failures read poorly.
 */
import type { JsonSchema, JsonSchemaObject } from "@portcullis/sdk";

export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export const SUPPORTED_FORMAT_VERSIONS = ["1.1", "2.1", "3.0"] as const;

export const PROTOCOLS = ["http", "https", "grpc", "grpcs"] as const;

export const HASH_ON_VALUES = ["none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture"] as const;

export const DEFAULT_PLUGIN_PROTOCOLS = ["grpc", "grpcs", "http", "https"] as const;

const id = {
  type: "string",
  pattern: UUID_PATTERN,
  description: "A UUID. Generated (deterministically) when omitted.",
} as const;

const tags = {
  type: "array",
  items: { type: "string" },
  default: [],
  description: "Free-form labels.",
} as const;

const name = { type: "string", minLength: 1, description: "Unique name; the endpoint key others refer to." } as const;

const reference = (entity: string) =>
  ({ type: "string", minLength: 1, description: `The ${entity} this entity belongs to, by id or by its endpoint key.` }) as const;

const timeout = (which: string) =>
  ({
    type: "integer",
    minimum: 1,
    maximum: 2147483646,
    default: 60000,
    description: `Milliseconds to wait while ${which} the upstream.`,
  }) as const;

const headerValues = {
  type: "object",
  additionalProperties: { type: "array", items: { type: "string" } },
} as const;

const pluginProperties = {
  id,
  name: { type: "string", minLength: 1, description: "A bundled plugin name, a registered name, or a package specifier/path." },
  instance_name: { type: "string", minLength: 1, description: "Unique name of this plugin instance." },
  config: { type: "object", default: {}, description: "The plugin's own config, validated by the plugin's schema." },
  protocols: {
    type: "array",
    items: { type: "string", enum: PROTOCOLS },
    minItems: 1,
    uniqueItems: true,
    default: DEFAULT_PLUGIN_PROTOCOLS,
    description: "Request protocols the plugin runs on.",
  },
  enabled: { type: "boolean", default: true, description: "A disabled plugin is loaded nowhere." },
  tags,
} as const;

function pluginSchema(foreignKeys: readonly ("route" | "service" | "consumer")[]) {
  const properties: Record<string, JsonSchema> = { ...pluginProperties };
  for (const key of foreignKeys) properties[key] = reference(key);
  return { type: "object", properties, required: ["name"], additionalProperties: false } as const;
}

const routeProperties = {
  id,
  name,
  protocols: {
    type: "array",
    items: { type: "string", enum: PROTOCOLS },
    minItems: 1,
    uniqueItems: true,
    default: ["http", "https"],
    description: "Either a subset of {http, https} or of {grpc, grpcs}.",
  },
  methods: {
    type: "array",
    items: { type: "string", pattern: "^[A-Za-z]+$" },
    description: "HTTP methods; upper-cased at load.",
  },
  hosts: { type: "array", items: { type: "string", minLength: 1 }, description: "Host names; one `*` label allowed." },
  paths: { type: "array", items: { type: "string" }, description: "`/prefix` or `~regex` paths." },
  headers: { ...headerValues, description: "Header name to accepted values; `host` goes in `hosts`." },
  https_redirect_status_code: {
    type: "integer",
    enum: [426, 301, 302, 307, 308],
    default: 426,
    description: "Status answered when an https-only route gets plain http.",
  },
  regex_priority: { type: "integer", default: 0, description: "Orders regex routes; higher wins." },
  strip_path: {
    type: "boolean",
    description: "Strip the matched prefix before proxying. Default true (false for grpc routes).",
  },
  path_handling: { type: "string", enum: ["v0", "v1"], default: "v0", description: "How service and route paths join." },
  preserve_host: { type: "boolean", default: false, description: "Send the client's Host header upstream." },
  request_buffering: { type: "boolean", default: true, description: "Buffer the request body before proxying." },
  response_buffering: { type: "boolean", default: true, description: "Buffer the response body before sending." },
  tags,
} as const;

const nestedRouteSchema = {
  type: "object",
  properties: { ...routeProperties, plugins: { type: "array", items: pluginSchema(["consumer"]) } },
  additionalProperties: false,
} as const;

const routeSchema = {
  type: "object",
  properties: {
    ...routeProperties,
    service: reference("service"),
    plugins: { type: "array", items: pluginSchema(["consumer"]) },
  },
  additionalProperties: false,
} as const;

const serviceSchema = {
  type: "object",
  properties: {
    id,
    name,
    url: { type: "string", description: "Shorthand for protocol, host, port and path." },
    protocol: { type: "string", enum: PROTOCOLS, description: "Default http." },
    host: { type: "string", minLength: 1, description: "Upstream host or IP, or the name of an upstream entity." },
    port: { type: "integer", minimum: 0, maximum: 65535, description: "Default 80 (443 for an https url)." },
    path: { type: "string", description: "Path prefix sent upstream; not allowed for grpc/grpcs." },
    retries: { type: "integer", minimum: 0, maximum: 32767, default: 5, description: "Retries on connection failure." },
    connect_timeout: timeout("connecting to"),
    read_timeout: timeout("reading from"),
    write_timeout: timeout("writing to"),
    enabled: { type: "boolean", default: true, description: "Disabled services and their routes are not served." },
    tags,
    routes: { type: "array", items: nestedRouteSchema },
    plugins: { type: "array", items: pluginSchema(["consumer"]) },
  },
  additionalProperties: false,
} as const;

const seconds = (fallback: number, what: string) =>
  ({ type: "number", minimum: 0, maximum: 65535, default: fallback, description: `${what}, in seconds.` }) as const;

const counter = (what: string) =>
  ({ type: "integer", minimum: 0, maximum: 255, default: 0, description: `${what}; 0 disables the check.` }) as const;

const statuses = (fallback: readonly number[]) =>
  ({
    type: "array",
    items: { type: "integer", minimum: 100, maximum: 999 },
    default: fallback,
    description: "HTTP statuses.",
  }) as const;

const checkType = {
  type: "string",
  enum: ["tcp", "http", "https", "grpc", "grpcs"],
  default: "http",
  description: "How targets are checked.",
} as const;

export const HEALTHCHECKS_SCHEMA = {
  type: "object",
  default: {},
  description: "Active probes and passive (traffic-based) health checks of the targets; every field has Kong's default.",
  additionalProperties: false,
  properties: {
    threshold: {
      type: "number",
      minimum: 0,
      maximum: 100,
      default: 0,
      description: "Percentage of healthy target weight below which the upstream is unhealthy.",
    },
    active: {
      type: "object",
      default: {},
      additionalProperties: false,
      properties: {
        type: checkType,
        timeout: seconds(1, "Probe timeout"),
        concurrency: { type: "integer", minimum: 1, maximum: 2147483648, default: 10, description: "Parallel probes." },
        http_path: { type: "string", default: "/", description: "Path probed." },
        https_sni: { type: ["string", "null"], default: null, description: "SNI sent by https probes." },
        https_verify_certificate: { type: "boolean", default: true, description: "Verify the target's certificate." },
        headers: { ...headerValues, type: ["object", "null"], default: null, description: "Headers sent by probes." },
        healthy: {
          type: "object",
          default: {},
          additionalProperties: false,
          properties: {
            interval: seconds(0, "Probe interval for healthy targets (0 disables)"),
            http_statuses: statuses([200, 302]),
            successes: counter("Successes that mark a target healthy"),
          },
        },
        unhealthy: {
          type: "object",
          default: {},
          additionalProperties: false,
          properties: {
            interval: seconds(0, "Probe interval for unhealthy targets (0 disables)"),
            http_statuses: statuses([429, 404, 500, 501, 502, 503, 504, 505]),
            tcp_failures: counter("TCP failures that mark a target unhealthy"),
            timeouts: counter("Timeouts that mark a target unhealthy"),
            http_failures: counter("HTTP failures that mark a target unhealthy"),
          },
        },
      },
    },
    passive: {
      type: "object",
      default: {},
      additionalProperties: false,
      properties: {
        type: checkType,
        healthy: {
          type: "object",
          default: {},
          additionalProperties: false,
          properties: {
            http_statuses: statuses([
              200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308,
            ]),
            successes: counter("Successes that mark a target healthy"),
          },
        },
        unhealthy: {
          type: "object",
          default: {},
          additionalProperties: false,
          properties: {
            http_statuses: statuses([429, 500, 503]),
            tcp_failures: counter("TCP failures that mark a target unhealthy"),
            timeouts: counter("Timeouts that mark a target unhealthy"),
            http_failures: counter("HTTP failures that mark a target unhealthy"),
          },
        },
      },
    },
  },
} as const;

const targetProperties = {
  id,
  target: { type: "string", minLength: 1, description: "`host[:port]`, `ip[:port]` or `[ipv6][:port]`; port 8000 by default." },
  weight: { type: "integer", minimum: 0, maximum: 65535, default: 100, description: "0 disables the target." },
  tags,
} as const;

const nestedTargetSchema = {
  type: "object",
  properties: targetProperties,
  required: ["target"],
  additionalProperties: false,
} as const;

const targetSchema = {
  type: "object",
  properties: { ...targetProperties, upstream: reference("upstream") },
  required: ["target", "upstream"],
  additionalProperties: false,
} as const;

const hashOn = (what: string) =>
  ({ type: "string", enum: HASH_ON_VALUES, default: "none", description: what }) as const;

const upstreamSchema = {
  type: "object",
  properties: {
    id,
    name: { ...name, description: "A host name (no IP, no port) that services use as their host." },
    algorithm: {
      type: "string",
      enum: ["round-robin", "consistent-hashing", "least-connections", "latency"],
      default: "round-robin",
      description: "Balancing algorithm.",
    },
    hash_on: hashOn("Hash input for consistent-hashing."),
    hash_fallback: hashOn("Hash input used when hash_on yields nothing."),
    hash_on_header: { type: "string", minLength: 1, description: "Header hashed when hash_on is header." },
    hash_fallback_header: { type: "string", minLength: 1, description: "Header hashed when hash_fallback is header." },
    hash_on_cookie: { type: "string", minLength: 1, description: "Cookie hashed when hashing on cookie." },
    hash_on_cookie_path: { type: "string", default: "/", description: "Path of the generated hash cookie." },
    hash_on_query_arg: { type: "string", minLength: 1, description: "Query argument hashed when hash_on is query_arg." },
    hash_fallback_query_arg: { type: "string", minLength: 1, description: "Fallback query argument." },
    hash_on_uri_capture: { type: "string", minLength: 1, description: "Route capture hashed when hash_on is uri_capture." },
    hash_fallback_uri_capture: { type: "string", minLength: 1, description: "Fallback route capture." },
    slots: { type: "integer", minimum: 10, maximum: 65536, default: 10000, description: "Consistent-hashing ring size." },
    host_header: { type: "string", minLength: 1, description: "Host header sent to targets." },
    use_srv_name: { type: "boolean", default: false, description: "Use the SRV name as Host header." },
    healthchecks: HEALTHCHECKS_SCHEMA,
    tags,
    targets: { type: "array", items: nestedTargetSchema },
  },
  required: ["name"],
  additionalProperties: false,
} as const;

const consumerProperties = {
  id,
  username: { type: "string", minLength: 1, description: "Unique user name; the endpoint key." },
  custom_id: { type: "string", minLength: 1, description: "Unique id from another system." },
  tags,
  plugins: { type: "array", items: pluginSchema(["route", "service"]) },
} as const;

/** A credential row: only the keys the loader reads. The owning plugin's credential schema checks the rest. */
export const CREDENTIAL_ROW_SCHEMA = {
  type: "object",
  properties: { id, consumer: reference("consumer") },
  required: ["consumer"],
} as const;

export const NESTED_CREDENTIAL_ROW_SCHEMA = {
  type: "object",
  properties: { id },
} as const;

/**
 * The document, as a tool (an editor, a linter) would see it: any other array-of-objects property at the top level or
 * on a consumer is a credential collection (`jwt_secrets`, `hmacauth_credentials`, ...).
 */
export function configDocumentSchema(options: { readonly credentialCollections: boolean }): JsonSchemaObject {
  const credentialCollections = (row: JsonSchemaObject): JsonSchema =>
    options.credentialCollections ? { type: "array", items: row } : false;
  return {
    type: "object",
    properties: {
      _format_version: {
        type: "string",
        enum: SUPPORTED_FORMAT_VERSIONS,
        description: "3.0; 1.1 and 2.1 are migrated (regex-looking paths get `~`).",
      },
      _transform: { type: "boolean", default: true, description: "Accepted for compatibility; has no effect." },
      _comment: { type: "string", description: "Ignored." },
      _workspace: { type: "string", description: "Accepted for compatibility; has no effect." },
      services: { type: "array", items: serviceSchema },
      routes: { type: "array", items: routeSchema },
      upstreams: { type: "array", items: upstreamSchema },
      certificates: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "string" },
            cert: { type: "string", minLength: 1, description: "PEM certificate (chain); ${ENV} references work" },
            key: { type: "string", minLength: 1, writeOnly: true, description: "PEM private key of cert" },
            snis: { type: "array", items: { type: "string", minLength: 1 }, default: [] },
            tags: { type: "array", items: { type: "string" } },
          },
          required: ["cert", "key"],
          additionalProperties: false,
        },
      },
      targets: { type: "array", items: targetSchema },
      consumers: {
        type: "array",
        items: {
          type: "object",
          properties: consumerProperties,
          additionalProperties: credentialCollections(NESTED_CREDENTIAL_ROW_SCHEMA),
        },
      },
      plugins: { type: "array", items: pluginSchema(["route", "service", "consumer"]) },
    },
    required: ["_format_version"],
    additionalProperties: credentialCollections(CREDENTIAL_ROW_SCHEMA),
  };
}

/** Property names that are entities or settings, so never credential collections. */
export const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(
  Object.keys(configDocumentSchema({ credentialCollections: false }).properties ?? {}),
);

export const CONSUMER_KEYS: ReadonlySet<string> = new Set(Object.keys(consumerProperties));

/** Kong entities Portcullis does not implement: named, so that a Kong file gets a clear refusal, not a guess. */
export const UNSUPPORTED_KONG_ENTITIES: ReadonlySet<string> = new Set([
  "snis",
  "ca_certificates",
  "vaults",
  "keys",
  "key_sets",
  "consumer_groups",
  "filter_chains",
  "workspaces",
  "parameters",
]);
