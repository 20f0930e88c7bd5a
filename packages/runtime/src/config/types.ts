/**
 * The declarative config after parsing, `${ENV}` interpolation, validation and normalisation: Kong's
 * `_format_version: "3.0"` entities, flattened (nested routes, plugins, targets and credentials carry their parent's
 * id), with every default applied and every id assigned. `source` on each entity is its JSON path in the file, so
 * that later errors (a plugin config that fails its schema) can name it.
 */

export type ServiceProtocol = "http" | "https" | "grpc" | "grpcs";
export type RouteProtocol = "http" | "https" | "grpc" | "grpcs";

export interface ServiceEntity {
  readonly id: string;
  readonly name: string | undefined;
  readonly protocol: ServiceProtocol;
  /** A hostname or IP, or the name of an upstream entity (then traffic is balanced across its targets). */
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
  readonly retries: number;
  /** Milliseconds. */
  readonly connectTimeout: number;
  readonly readTimeout: number;
  readonly writeTimeout: number;
  readonly enabled: boolean;
  readonly tags: readonly string[];
  readonly source: string;
}

export interface RouteEntity {
  readonly id: string;
  readonly name: string | undefined;
  readonly serviceId: string | undefined;
  readonly protocols: readonly RouteProtocol[];
  /** Upper-cased. */
  readonly methods: readonly string[] | undefined;
  /** Lower-cased; at most one `*` label, leftmost or rightmost. */
  readonly hosts: readonly string[] | undefined;
  /** `/prefix` or `~regex`, as written. */
  readonly paths: readonly string[] | undefined;
  /** Header name (lower-cased) to accepted values. */
  readonly headers: Readonly<Record<string, readonly string[]>> | undefined;
  readonly stripPath: boolean;
  readonly preserveHost: boolean;
  readonly regexPriority: number;
  readonly pathHandling: "v0" | "v1";
  readonly httpsRedirectStatusCode: number;
  readonly requestBuffering: boolean;
  readonly responseBuffering: boolean;
  readonly tags: readonly string[];
  readonly source: string;
}

export interface TargetEntity {
  readonly id: string;
  /** As written: `host:port` or `ip:port`. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  readonly tags: readonly string[];
  readonly source: string;
}

export type HashOn = "none" | "consumer" | "ip" | "header" | "cookie" | "path" | "query_arg" | "uri_capture";

/** Kong's health check settings, snake_case as in the file, with every default applied. */
export interface HealthChecks {
  readonly threshold: number;
  readonly active: {
    readonly type: "tcp" | "http" | "https" | "grpc" | "grpcs";
    readonly timeout: number;
    readonly concurrency: number;
    readonly http_path: string;
    readonly https_sni: string | null;
    readonly https_verify_certificate: boolean;
    readonly headers: Readonly<Record<string, readonly string[]>> | null;
    readonly healthy: { readonly interval: number; readonly http_statuses: readonly number[]; readonly successes: number };
    readonly unhealthy: {
      readonly interval: number;
      readonly http_statuses: readonly number[];
      readonly tcp_failures: number;
      readonly timeouts: number;
      readonly http_failures: number;
    };
  };
  readonly passive: {
    readonly type: "tcp" | "http" | "https" | "grpc" | "grpcs";
    readonly healthy: { readonly http_statuses: readonly number[]; readonly successes: number };
    readonly unhealthy: {
      readonly http_statuses: readonly number[];
      readonly tcp_failures: number;
      readonly timeouts: number;
      readonly http_failures: number;
    };
  };
}

export interface UpstreamEntity {
  readonly id: string;
  readonly name: string;
  readonly algorithm: "round-robin" | "consistent-hashing" | "least-connections" | "latency";
  readonly hashOn: HashOn;
  readonly hashFallback: HashOn;
  readonly hashOnHeader: string | undefined;
  readonly hashFallbackHeader: string | undefined;
  readonly hashOnCookie: string | undefined;
  readonly hashOnCookiePath: string;
  readonly hashOnQueryArg: string | undefined;
  readonly hashFallbackQueryArg: string | undefined;
  readonly hashOnUriCapture: string | undefined;
  readonly hashFallbackUriCapture: string | undefined;
  readonly slots: number;
  readonly hostHeader: string | undefined;
  readonly healthchecks: HealthChecks;
  readonly targets: readonly TargetEntity[];
  readonly tags: readonly string[];
  readonly source: string;
}

export interface ConsumerEntity {
  readonly id: string;
  readonly username: string | undefined;
  readonly customId: string | undefined;
  readonly tags: readonly string[];
  readonly source: string;
}

/** One credential row, e.g. from `consumers[0].jwt_secrets[1]` or a top-level `jwt_secrets` entry. */
export interface CredentialEntity {
  readonly id: string;
  /** The collection name, e.g. `jwt_secrets`; a loaded plugin must own it. */
  readonly collection: string;
  readonly consumerId: string;
  /** The row's own fields (without `id` and `consumer`), not yet validated: the owning plugin's schema does that. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly source: string;
}

export interface PluginEntity {
  readonly id: string;
  /** A bundled name (`jwt`, `hmac-auth`, `rate-limiting`, `cors`), a registered name, or a package specifier/path. */
  readonly name: string;
  readonly instanceName: string | undefined;
  /** As written (after env interpolation), not yet validated: the plugin's own schema does that. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly routeId: string | undefined;
  readonly serviceId: string | undefined;
  readonly consumerId: string | undefined;
  readonly protocols: readonly RouteProtocol[];
  readonly enabled: boolean;
  readonly tags: readonly string[];
  readonly source: string;
}

/** Kong's `certificates`: a PEM certificate and key for TLS on the listener, chosen by SNI. */
export interface CertificateEntity {
  readonly id: string;
  readonly cert: string;
  readonly key: string;
  /** Server names (exact, or `*.example.com`) this certificate answers; empty means the default certificate. */
  readonly snis: readonly string[];
  readonly tags: readonly string[];
  readonly source: string;
}

export interface GatewayConfig {
  readonly formatVersion: "3.0";
  readonly certificates: readonly CertificateEntity[];
  readonly services: readonly ServiceEntity[];
  readonly routes: readonly RouteEntity[];
  readonly upstreams: readonly UpstreamEntity[];
  readonly consumers: readonly ConsumerEntity[];
  readonly credentials: readonly CredentialEntity[];
  readonly plugins: readonly PluginEntity[];
}

export interface ConfigIssue {
  /** JSON path in the document, e.g. `services[0].routes[1].paths[0]`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: GatewayConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };
