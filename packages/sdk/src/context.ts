/**
 * The phase context: what a plugin handler sees of one request. It is split by hop, as Kong's PDK is:
 * `request` is what the client sent, `upstream` is what goes to the service, `response` is what goes back to the
 * client. Each phase gets a narrower view, so calling `respond()` in `log` is a type error, not a runtime surprise.
 *
 * | code           | Kong phase      |
 * |----------------|-----------------|
 * | `access`       | `access`        |
 * | `headerFilter` | `header_filter` |
 * | `bodyFilter`   | `body_filter`   |
 * | `log`          | `log`           |
 */

export type Phase = "access" | "headerFilter" | "bodyFilter" | "log";

/** Header values as Node holds them: names lower-cased, repeated headers as arrays. */
export type HeaderValue = string | readonly string[];
export type HeaderRecord = Readonly<Record<string, HeaderValue | undefined>>;

export interface Consumer {
  readonly id: string;
  readonly username?: string;
  readonly customId?: string;
  readonly tags?: readonly string[];
}

/** A credential from one of a plugin's credential collections, as validated by that collection's schema. */
export interface Credential {
  readonly id: string;
  /** The collection it belongs to, e.g. `jwt_secrets`. */
  readonly collection: string;
  readonly consumerId: string;
  readonly [field: string]: unknown;
}

export interface RouteInfo {
  readonly id: string;
  readonly name: string | undefined;
}

export interface ServiceInfo {
  readonly id: string;
  readonly name: string | undefined;
}

/**
 * State shared by every plugin for one request. Extend it by module augmentation:
 *
 * @example
 * declare module "@portcullis/sdk" {
 *   interface SharedState { authenticatedJwtToken?: string }
 * }
 */
export interface SharedState {
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface BodyOptions {
  /** Maximum number of bytes to buffer; past it the request gets a 413. Default 1 MiB. */
  readonly limit?: number;
}

/** The request as the client sent it. Read-only. */
export interface ClientRequest {
  readonly method: string;
  /** The normalised path: dot segments resolved, slashes merged, unreserved escapes decoded. Routing used it. */
  readonly path: string;
  /** The path exactly as received, without the query. */
  readonly rawPath: string;
  /** The query string without `?`, exactly as received ("" when there is none). */
  readonly rawQuery: string;
  /** The parsed query. Repeated parameters are arrays; a bare `?flag` is `true`, as in Kong. */
  readonly query: Readonly<Record<string, string | true | readonly (string | true)[]>>;
  readonly headers: HeaderRecord;
  /** The first value of a header; `name` is case-insensitive. */
  header(name: string): string | undefined;
  /** The HTTP version, e.g. `"1.1"`, `"1.0"` or `"2.0"`. */
  readonly httpVersion: string;
  readonly clientIp: string;
  readonly scheme: "http" | "https";
  /** The Host header's host, without the port, lower-cased. */
  readonly host: string;
  readonly port: number;
  /**
   * Buffers the request body on demand and returns it. The runtime still forwards the same bytes upstream.
   * Rejects with a 413 GatewayError past `limit`.
   */
  body(options?: BodyOptions): Promise<Buffer>;
}

/** The request that goes upstream. Exists in `access` only. */
export interface UpstreamRequest {
  readonly headers: HeaderRecord;
  header(name: string): string | undefined;
  setHeader(name: string, value: HeaderValue): void;
  addHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  /** The path sent upstream, after strip_path and the service path. */
  readonly path: string;
  setPath(path: string): void;
  /** The query string sent upstream, without `?`. */
  readonly rawQuery: string;
  setQuery(query: string | Readonly<Record<string, string | readonly string[]>>): void;
}

export type ResponseSource = "upstream" | "exit" | "error";

/** Response headers a plugin may set during `access`; they land on whatever response goes out (Kong semantics). */
export interface PendingResponse {
  setHeader(name: string, value: HeaderValue): void;
  addHeader(name: string, value: string): void;
  removeHeader(name: string): void;
}

/** The response going to the client, read-only (bodyFilter, log). */
export interface ResponseView {
  readonly status: number;
  readonly source: ResponseSource;
  readonly headers: HeaderRecord;
  header(name: string): string | undefined;
}

/** The response going to the client, before its head is sent (headerFilter). */
export interface MutableResponse extends ResponseView, PendingResponse {
  setStatus(status: number): void;
}

export interface Timings {
  /** Epoch milliseconds when the request arrived. */
  readonly startedAt: number;
  /** Milliseconds spent in access handlers. */
  readonly access: number;
  /** Milliseconds from sending the request upstream to its response head; undefined when not proxied. */
  readonly upstream: number | undefined;
  /** Milliseconds from arrival to the end of the response. */
  readonly total: number;
}

/** Returned by `respond()` and `error()`; returning it from `access` documents that the handler ends there. */
export interface Exit {
  readonly status: number;
}

interface ContextBase<State> {
  readonly phase: Phase;
  readonly request: ClientRequest;
  readonly requestId: string;
  readonly route: RouteInfo | undefined;
  readonly service: ServiceInfo | undefined;
  readonly consumer: Consumer | undefined;
  readonly credential: Credential | undefined;
  readonly shared: SharedState;
  /** Per request and private to this plugin instance. */
  readonly state: State;
  readonly log: Logger;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export type PluginState = Record<string, unknown>;

export interface AccessContext<State = PluginState> extends ContextBase<State> {
  readonly phase: "access";
  readonly upstream: UpstreamRequest;
  readonly response: PendingResponse;
  /**
   * Ends access here: the remaining access handlers are skipped and nothing is proxied, but headerFilter,
   * bodyFilter and log still run for the whole chain. Kong's `kong.response.exit`: an object body is sent as
   * compact JSON, a string or Buffer as is.
   */
  respond(status: number, body?: unknown, headers?: Readonly<Record<string, HeaderValue>>): Exit;
  /**
   * Like `respond`, with Kong's `kong.response.error` body: `{"message", "request_id"}` in the format the client's
   * Accept header prefers. Status 400..599; without a message, Kong's default for the status.
   */
  error(status: number, message?: string, headers?: Readonly<Record<string, HeaderValue>>): Exit;
  /** Kong's `kong.client.authenticate`: sets `ctx.consumer` and `ctx.credential` for the rest of the request. */
  authenticate(consumer: Consumer | undefined, credential?: Credential): void;
}

export interface HeaderFilterContext<State = PluginState> extends ContextBase<State> {
  readonly phase: "headerFilter";
  readonly response: MutableResponse;
}

export interface BodyFilterContext<State = PluginState> extends ContextBase<State> {
  readonly phase: "bodyFilter";
  readonly response: ResponseView;
}

export interface LogContext<State = PluginState> extends ContextBase<State> {
  readonly phase: "log";
  readonly response: ResponseView;
  readonly timings: Timings;
}
