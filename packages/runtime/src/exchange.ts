import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import {
  type Consumer,
  type Credential,
  type Exit,
  GatewayError,
  type HeaderValue,
  type ResponseSource,
  type RouteInfo,
  type ServiceInfo,
  type SharedState,
  type Timings,
} from "@portcullis/sdk";
import type { Span, Tracer } from "@opentelemetry/api";
import type { Dispatcher } from "undici";
import { bufferBody, ClientRequestView } from "./client-request.js";
import type { RouteEntity, ServiceEntity } from "./config/types.js";
import { runtimeErrors } from "./errors.js";
import { isGrpcRequest, toGrpcExit } from "./grpc-status.js";
import { connectionListed, hopByHopHeaders, type MutableHeaders, setHeader, withoutHopByHop } from "./headers.js";
import type { Http2Upstreams } from "./http2-upstream.js";
import type { RuntimeLogger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { PendingResponseView, PluginContext, ResponseHeadView, renderError, UpstreamRequestView } from "./plugin-context.js";
import type { RouteMatch } from "./router/index.js";
import { upstreamPath } from "./router/index.js";
import { type Chain, type CompiledInstance, resolveSlot, type Snapshot } from "./snapshot.js";
import type { TargetSelection } from "./targets.js";
import { endRequestSpan, startRequestSpan, tracePhase } from "./telemetry.js";
import type { UpstreamPools } from "./upstream-pools.js";

/** What every exchange of one gateway shares. */
export interface ExchangeEnvironment {
  readonly logger: RuntimeLogger;
  /** Set when an OpenTelemetry SDK is registered; undefined keeps spans off the request path. */
  tracer: Tracer | undefined;
  readonly metrics: Metrics;
  readonly pools: UpstreamPools;
  /** HTTP/2 sessions to the upstreams of grpc/grpcs services. */
  readonly http2: Http2Upstreams;
  readonly accessLog: boolean;
  /** Called once per exchange, after the log phase. */
  onFinished(snapshot: Snapshot): void;
}

/** Where the response bytes go: the ServerResponse itself, or its original methods when an adapter wrapped them. */
export interface ResponseWriter {
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): unknown;
}

/**
 * How the exchange reaches its "upstream": `proxy` dispatches to the service over undici; `local` hands the request
 * to the host app (embedding), whose response comes back through the same onResponse* callbacks.
 */
export type UpstreamMode = { readonly kind: "proxy" } | { readonly kind: "local"; proceed(exchange: Exchange): void };

const proxyMode: UpstreamMode = { kind: "proxy" };

const exchangeOfResponse = Symbol("portcullis.exchange");
type ResponseWithExchange = ServerResponse & { [exchangeOfResponse]?: Exchange };

/**
 * One listener function for every response's `close`, which finds its exchange on the response: no closure and no
 * `once` wrapper per request. A response closes once; `finish()` is idempotent all the same.
 */
function onResponseClose(this: ResponseWithExchange): void {
  this[exchangeOfResponse]?.finish();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function upstreamErrorKind(error: Error): { kind: string; status: number } {
  const code = (error as { code?: string }).code ?? "";
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "ETIMEDOUT":
      return { kind: "timeout", status: 504 };
    case "ECONNREFUSED":
    case "ENOTFOUND":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EAI_AGAIN":
      return { kind: "connect", status: 502 };
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
    case "EPIPE":
      return { kind: "reset", status: 502 };
    default:
      return { kind: "invalid_response", status: 502 };
  }
}

/** An HTTP/2 request announces no body length: it has one unless its headers ended the stream. */
function http2RequestHasBody(incoming: IncomingMessage): boolean {
  if (incoming.httpVersionMajor !== 2) return false;
  return (incoming as unknown as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders === false;
}

const connectErrorCodes = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);
/** The headers the gateway sets on every upstream request itself (from the client's where it extends them). */
const setByGateway = ["host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-path", "x-request-id", "via"];
/** Never copied from the client or a plugin's changes: hop-by-hop, and what the gateway sets itself. */
const notCopiedUpstream: ReadonlySet<string> = new Set([...hopByHopHeaders, ...setByGateway]);

/** Methods that may run twice (RFC 9110 9.2.2): retried even after the request may have reached a target. */
const idempotentMethods = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/**
 * One HTTP exchange: the client request, the phases of its chain, the upstream call and the response. It is also
 * the undici dispatch handler, so proxying a request allocates no extra handler object.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  readonly startedAt = Date.now();
  readonly startMark = performance.now();
  readonly clientRequest: ClientRequestView;
  consumer: Consumer | undefined;
  credential: Credential | undefined;
  #shared: SharedState | undefined;
  #signalController: AbortController | undefined;
  /** Each plugin's context for this request, at the same position as its instance in `collected`. */
  #contexts: (PluginContext | undefined)[] | undefined;

  /** Instances this request uses, in priority order (Kong's "collected" plugins). */
  collected: readonly CompiledInstance[];
  #dynamicCollected: CompiledInstance[] | undefined;

  headerOverrides: Map<string, HeaderValue | null> | undefined;
  pathOverride: string | undefined;
  queryOverride: string | undefined;
  #upstreamView: UpstreamRequestView | undefined;
  #pendingResponse: PendingResponseView | undefined;
  #mutableResponse: ResponseHeadView | undefined;
  #responseView: ResponseHeadView | undefined;

  #exit: { status: number; body: Buffer; headers: MutableHeaders; source: ResponseSource } | undefined;
  #exitTrailers: Record<string, string> | undefined;
  status = 200;
  source: ResponseSource = "upstream";
  responseHeaders: MutableHeaders = {};
  #headWritten = false;
  #accessEndMark = 0;
  #upstreamStartMark = 0;
  #upstreamMs: number | undefined;
  #bufferedBody: Promise<Buffer> | undefined;
  #bufferedBodyValue: Buffer | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #bodyQueue: (Buffer | null)[] | undefined;
  #pumping = false;
  #target: TargetSelection | undefined;
  #released: TargetSelection | undefined;
  #attempt = 0;
  /** Targets this request failed on; the balancer picks another one for the retry. */
  triedTargets: TargetSelection[] | undefined;
  #finished = false;
  #span: Span | undefined;
  #headerFilterPending = false;
  /** Set once the upstream response was abandoned for a runtime-made one; later upstream events are ignored. */
  #replaced = false;
  #logged = false;
  /** Set by adapters that send the exit themselves (Fastify). */
  onExit: ((exchange: Exchange) => void) | undefined;

  constructor(
    readonly environment: ExchangeEnvironment,
    readonly snapshot: Snapshot,
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
    readonly requestId: string,
    readonly method: string,
    path: string,
    rawPath: string,
    readonly rawQuery: string,
    readonly scheme: "http" | "https",
    readonly chain: Chain,
    readonly route: RouteEntity | undefined,
    readonly match: RouteMatch | undefined,
    readonly service: ServiceEntity | undefined,
    readonly mode: UpstreamMode = proxyMode,
    readonly writer: ResponseWriter = outgoing as unknown as ResponseWriter,
    closeListener = true,
  ) {
    this.clientRequest = new ClientRequestView(incoming, method, path, rawPath, rawQuery, scheme, this);
    this.collected = chain.consumerDependent ? (this.#dynamicCollected = []) : chain.instances;
    if (closeListener) {
      (outgoing as ResponseWithExchange)[exchangeOfResponse] = this;
      outgoing.on("close", onResponseClose);
    }
  }

  /** Who decided the exit: a plugin name, or "runtime". */
  exitBy: string | undefined;

  /** True once the access phase decided on an exit (respond, error or a throw). */
  get exited(): boolean {
    return this.#exit !== undefined;
  }

  /** The exit access decided on, for adapters that send responses themselves. */
  get exitResponse(): { readonly status: number; readonly body: Buffer; readonly headers: MutableHeaders; readonly source: ResponseSource } | undefined {
    return this.#exit;
  }

  // --- context plumbing ------------------------------------------------------------------------------------

  get routeInfo(): RouteInfo | undefined {
    return this.route === undefined ? undefined : { id: this.route.id, name: this.route.name };
  }
  get serviceInfo(): ServiceInfo | undefined {
    return this.service === undefined ? undefined : { id: this.service.id, name: this.service.name };
  }
  get shared(): SharedState {
    this.#shared ??= {};
    return this.#shared;
  }
  get signal(): AbortSignal {
    if (this.#signalController === undefined) {
      this.#signalController = new AbortController();
      if (this.#finished) this.#signalController.abort();
    }
    return this.#signalController.signal;
  }
  /** Response headers set during access, applied to whatever response goes out; created on first use. */
  get pendingResponse(): PendingResponseView {
    this.#pendingResponse ??= new PendingResponseView();
    return this.#pendingResponse;
  }
  get upstreamView(): UpstreamRequestView {
    this.#upstreamView ??= new UpstreamRequestView(this);
    return this.#upstreamView;
  }
  get mutableResponse(): ResponseHeadView {
    this.#mutableResponse ??= new ResponseHeadView(this, true);
    return this.#mutableResponse;
  }
  get responseView(): ResponseHeadView {
    this.#responseView ??= new ResponseHeadView(this, false);
    return this.#responseView;
  }

  timings(): Timings {
    const now = performance.now();
    return {
      startedAt: this.startedAt,
      access: (this.#accessEndMark || now) - this.startMark,
      upstream: this.#upstreamMs,
      total: now - this.startMark,
    };
  }

  /** The context of the instance at `position` in `collected`, made on first use. */
  #context(position: number, instance: CompiledInstance): PluginContext {
    const contexts = (this.#contexts ??= []);
    let context = contexts[position];
    if (context === undefined) {
      context = new PluginContext(this, instance);
      // Positions fill in order (access, then the filters over the same list), so the array stays packed.
      while (contexts.length < position) contexts.push(undefined);
      contexts[position] = context;
    }
    return context;
  }

  readBody(limit: number): Promise<Buffer> {
    if (this.#bufferedBody === undefined) {
      this.#bufferedBody = bufferBody(this.incoming, limit).then((body) => {
        this.#bufferedBodyValue = body;
        return body;
      });
    } else if (this.#bufferedBodyValue !== undefined && this.#bufferedBodyValue.length > limit) {
      return Promise.reject(runtimeErrors.PHASE_HANDLER_FAILED());
    }
    return this.#bufferedBody;
  }

  upstreamPath(): string {
    if (this.pathOverride !== undefined) return this.pathOverride;
    if (this.match === undefined) return this.clientRequest.path;
    return upstreamPath(this.service?.path, this.clientRequest.path, this.match);
  }

  /** The headers that would go upstream now, for `ctx.upstream.headers`. */
  upstreamHeaders(): MutableHeaders {
    const headers: MutableHeaders = {};
    const source = this.incoming.headers;
    for (const name in source) headers[name] = source[name];
    if (this.headerOverrides !== undefined) {
      for (const [name, value] of this.headerOverrides) {
        if (value === null) delete headers[name];
        else headers[name] = value as string | string[];
      }
    }
    return headers;
  }

  // --- exits -----------------------------------------------------------------------------------------------

  setExit(
    status: number,
    body: Buffer,
    contentType: string | undefined,
    headers: Readonly<Record<string, HeaderValue>> | undefined,
    source: ResponseSource,
    by: string,
  ): Exit {
    this.exitBy = by;
    const bag: MutableHeaders = {};
    if (headers !== undefined) for (const name in headers) setHeader(bag, name, headers[name]!);
    delete bag["transfer-encoding"];
    if (contentType !== undefined && bag["content-type"] === undefined) bag["content-type"] = contentType;
    bag["content-length"] = String(body.length);
    if (isGrpcRequest(this.incoming.headers)) {
      // A gRPC client only understands a gRPC status: the exit becomes a response with no messages (Kong's mapping).
      this.#exitTrailers = toGrpcExit(status, body, bag, this.incoming.httpVersionMajor === 2);
      this.#exit = { status: 200, body: Buffer.alloc(0), headers: bag, source };
      return { status };
    }
    this.#exit = { status, body, headers: bag, source };
    return { status };
  }

  setError(status: number, message: string | undefined, headers: Readonly<Record<string, HeaderValue>> | undefined, by: string): Exit {
    const rendered = renderError(status, message, this.requestId, this.clientRequest.header("accept"));
    return this.setExit(status, Buffer.from(rendered.body), rendered.contentType, headers, "error", by);
  }

  // --- access ----------------------------------------------------------------------------------------------

  /** Runs the request: access handlers, then the upstream call or the exit. */
  start(): void {
    const tracer = this.environment.tracer;
    if (tracer !== undefined) this.#span = startRequestSpan(tracer, this.method, this.clientRequest.path, this.route?.name ?? this.route?.id);
    this.#runAccess(0);
  }

  /** Calls one plugin handler, inside a span when tracing is on; without tracing, no closure is made. */
  #invoke(instance: CompiledInstance, phase: string, handler: (context: never) => unknown, context: PluginContext): unknown {
    const tracer = this.environment.tracer;
    if (tracer === undefined || this.#span === undefined) return handler.call(instance.handlers, context as never);
    return tracePhase(tracer, this.#span, instance.name, phase, () => handler.call(instance.handlers, context as never));
  }

  /** Answers with an error through the chain's headerFilter/bodyFilter/log, without running access. */
  fail(status: number, message: string): void {
    const tracer = this.environment.tracer;
    if (tracer !== undefined) this.#span = startRequestSpan(tracer, this.method, this.clientRequest.path, undefined);
    this.#accessEndMark = performance.now();
    this.setError(status, message, undefined, "runtime");
    this.#sendExit();
  }

  #runAccess(from: number): void {
    const dynamic = this.#dynamicCollected;
    const count = dynamic === undefined ? this.chain.instances.length : this.chain.slots.length;
    for (let index = from; index < count; index++) {
      let instance: CompiledInstance | undefined;
      let position = index;
      if (dynamic === undefined) {
        if (this.#exit !== undefined) break;
        instance = this.chain.instances[index]!;
      } else {
        instance = resolveSlot(this.chain.slots[index]!, this.consumer?.id);
        if (instance === undefined) continue;
        position = dynamic.push(instance) - 1;
        if (this.#exit !== undefined) continue;
      }
      const access = instance.handlers.access;
      if (access === undefined) continue;
      const context = this.#context(position, instance);
      let result: unknown;
      try {
        result = this.#invoke(instance, "access", access, context);
      } catch (error) {
        this.#accessFailed(instance, error);
        continue;
      }
      if (isThenable(result)) {
        const current = instance;
        result.then(
          () => this.#runAccess(index + 1),
          (error: unknown) => {
            this.#accessFailed(current, error);
            this.#runAccess(index + 1);
          },
        );
        return;
      }
    }
    this.#afterAccess();
  }

  #accessFailed(instance: CompiledInstance, error: unknown): void {
    this.environment.metrics.recordPluginError(instance.name, "access");
    if (GatewayError.is(error) && error.expose && error.status < 500) {
      this.#log("warn", "access handler rejected the request", instance, error);
      this.setError(error.status, error.message, undefined, instance.name);
      return;
    }
    this.#log("error", "access handler failed", instance, error);
    this.setError(500, "An unexpected error occurred", undefined, instance.name);
  }

  #log(level: "warn" | "error", message: string, instance: CompiledInstance, error: unknown): void {
    this.environment.logger[level](message, { requestId: this.requestId, plugin: instance.name, phase: this.#contexts?.find((context) => context?.instance === instance)?.phase, error });
  }

  #afterAccess(): void {
    this.#accessEndMark = performance.now();
    if (this.#exit !== undefined) return this.#sendExit();
    if (this.mode.kind === "local") {
      // The host app is the upstream: its time to the response head is the upstream latency.
      this.#upstreamStartMark = performance.now();
      return this.mode.proceed(this);
    }
    if (this.service === undefined) {
      this.setError(503, runtimeErrors.SERVICE_NOT_FOUND.template, undefined, "runtime");
      return this.#sendExit();
    }
    if (this.#bufferedBody !== undefined && this.#bufferedBodyValue === undefined) {
      this.#bufferedBody.then(
        () => this.#proxy(),
        () => {
          this.setError(400, "Bad request", undefined, "runtime");
          this.#sendExit();
        },
      );
      return;
    }
    this.#proxy();
  }

  // --- upstream --------------------------------------------------------------------------------------------

  #proxy(): void {
    const service = this.service!;
    const target = this.snapshot.targets.select(service, this);
    if (target === undefined) {
      this.environment.metrics.recordUpstreamError("unavailable");
      this.setError(503, runtimeErrors.UPSTREAM_UNAVAILABLE.template, undefined, "runtime");
      return this.#sendExit();
    }
    this.#target = target;
    this.#released = undefined;
    const incoming = this.incoming;
    const source = incoming.headers;
    const listed = connectionListed(source.connection);
    const overrides = this.headerOverrides;
    // A flat name/value list: undici reads it without Object.keys, and building it adds no properties to an object.
    const headers: (string | string[])[] = [];
    for (const name in source) {
      // HTTP/2 clients' pseudo-headers (`:path`, `:authority`, ...) describe this hop only.
      if (notCopiedUpstream.has(name) || listed?.has(name) || overrides?.has(name) || name.charCodeAt(0) === 58) continue;
      const value = source[name];
      if (value !== undefined) headers.push(name, value);
    }
    if (overrides !== undefined) {
      for (const [name, value] of overrides) if (value !== null && !notCopiedUpstream.has(name)) headers.push(name, value as string | string[]);
    }
    const clientIp = incoming.socket.remoteAddress ?? "";
    const forwardedFor = source["x-forwarded-for"];
    headers.push(
      "x-forwarded-for",
      forwardedFor === undefined ? clientIp : `${Array.isArray(forwardedFor) ? forwardedFor.join(", ") : forwardedFor}, ${clientIp}`,
      "x-forwarded-proto",
      this.scheme,
      "x-forwarded-host",
      this.clientRequest.host,
      "x-forwarded-port",
      String(incoming.socket.localPort ?? ""),
      "x-forwarded-path",
      this.clientRequest.path,
      "x-request-id",
      this.requestId,
      "via",
      source.via === undefined ? "1.1 portcullis" : `${source.via}, 1.1 portcullis`,
      "host",
      this.route?.preserveHost === true && source.host !== undefined ? source.host : target.hostHeader,
    );
    const query = this.queryOverride ?? this.rawQuery;
    const path = this.upstreamPath();
    const hasBody = source["content-length"] !== undefined ? source["content-length"] !== "0" : source["transfer-encoding"] !== undefined || http2RequestHasBody(incoming);
    const body = this.#bufferedBodyValue ?? (hasBody ? incoming : null);
    this.#upstreamStartMark = performance.now();
    const pool =
      service.protocol === "grpc" || service.protocol === "grpcs"
        ? this.environment.http2.get(target.origin, { connectTimeout: service.connectTimeout })
        : this.environment.pools.get(target.origin, { connectTimeout: service.connectTimeout });
    pool.dispatch(
      {
        method: this.method as Dispatcher.HttpMethod,
        path: query === "" ? path : `${path}?${query}`,
        // undici's flat form takes a list value as well (one field line each); its types only say string[].
        headers: headers as string[],
        body,
        headersTimeout: service.readTimeout,
        bodyTimeout: service.readTimeout,
        blocking: false,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#finished) controller.abort(new Error("client closed the connection"));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.#upstreamMs = performance.now() - this.#upstreamStartMark;
    if (this.#target !== undefined) this.snapshot.targets.report(this.#target, statusCode);
    this.status = statusCode;
    this.source = "upstream";
    const filtered = withoutHopByHop(headers);
    this.responseHeaders = filtered;
    this.#pendingResponse?.applyTo(filtered);
    this.#runHeaderFilter(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // undici re-delivers an empty chunk on every resume; pausing on it again would loop without end.
    if (this.#replaced || chunk.length === 0) return;
    if (this.#bodyQueue !== undefined || !this.#headWritten) {
      (this.#bodyQueue ??= []).push(chunk);
      controller.pause();
      if (this.#headWritten) this.#pump(controller);
      return;
    }
    if (!this.writer.write(chunk)) {
      controller.pause();
      this.outgoing.once("drain", () => controller.resume());
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers?: Record<string, string | string[] | undefined>): void {
    this.#releaseTarget();
    if (this.#replaced) return;
    if (trailers !== undefined) this.#addTrailers(trailers);
    if (this.#bodyQueue !== undefined || !this.#headWritten) {
      (this.#bodyQueue ??= []).push(null);
      if (this.#headWritten) this.#pump(controller);
      return;
    }
    this.writer.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#releaseTarget(error);
    if (this.#replaced) return;
    if (this.#finished && !this.#headWritten) return this.#finishWithoutResponse();
    const { kind, status } = upstreamErrorKind(error);
    const code = (error as { code?: string }).code ?? "";
    if (this.#target !== undefined) this.snapshot.targets.reportFailure(this.#target, kind);
    const connectFailure = connectErrorCodes.has(code);
    if (!this.#headWritten && this.#upstreamMs === undefined && this.#canRetry(connectFailure)) {
      this.#attempt++;
      if (this.#target !== undefined) (this.triedTargets ??= []).push(this.#target);
      this.environment.logger.warn(connectFailure ? "upstream connect failed; retrying" : "upstream failed before answering; retrying on another target", {
        requestId: this.requestId,
        target: this.#target?.origin,
        attempt: this.#attempt,
        kind,
        error: code,
      });
      return this.#proxy();
    }
    this.environment.metrics.recordUpstreamError(kind);
    if (this.#headWritten) {
      this.environment.logger.error("upstream failed mid-response; closing the client connection", { requestId: this.requestId, target: this.#target?.origin, error });
      this.outgoing.destroy(error);
      return;
    }
    this.environment.logger.error("upstream request failed", { requestId: this.requestId, target: this.#target?.origin, kind, status, error });
    const message = status === 504 ? runtimeErrors.UPSTREAM_TIMEOUT.template : runtimeErrors.UPSTREAM_CONNECT.template;
    this.#bodyQueue = undefined;
    this.setError(status, message, undefined, "runtime");
    this.#sendExit();
  }

  /** Tells the balancer one attempt on the current target ended (connection counts, latency). */
  #releaseTarget(error?: Error): void {
    const target = this.#target;
    if (target === undefined || this.#released === target) return;
    this.#released = target;
    this.snapshot.targets.release(target, error === undefined ? undefined : upstreamErrorKind(error).kind);
  }

  /** Trailers go out after the body (gRPC's status); node sends them on HTTP/2, and on chunked HTTP/1.1. */
  #addTrailers(trailers: Record<string, string | string[] | undefined>): void {
    let present = false;
    for (const name in trailers) if (trailers[name] !== undefined) present = true;
    if (!present || this.outgoing.writableEnded) return;
    try {
      this.outgoing.addTrailers(trailers as Record<string, string>);
    } catch (error) {
      this.environment.logger.warn("invalid upstream trailers dropped", { requestId: this.requestId, error });
    }
  }

  /**
   * A connect failure never reached the target, so any method may be retried; once the request may have been sent,
   * only idempotent methods are, and only on a target this request has not tried.
   */
  #canRetry(connectFailure: boolean): boolean {
    const service = this.service;
    if (service === undefined || this.#attempt >= service.retries) return false;
    if (!connectFailure) {
      if (!idempotentMethods.has(this.method) || this.#target === undefined) return false;
      if (!this.snapshot.targets.hasAlternative(service, [...(this.triedTargets ?? []), this.#target])) return false;
    }
    const source = this.incoming.headers;
    // A streamed body may be partly consumed; only a bodiless or buffered request can be sent again.
    const streamedBody =
      this.#bufferedBodyValue === undefined &&
      (source["transfer-encoding"] !== undefined || (source["content-length"] !== undefined && source["content-length"] !== "0") || http2RequestHasBody(this.incoming));
    return !streamedBody;
  }

  // --- response --------------------------------------------------------------------------------------------

  #sendExit(): void {
    if (this.onExit !== undefined) return this.onExit(this);
    const exit = this.#exit!;
    this.status = exit.status;
    this.source = exit.source;
    this.responseHeaders = exit.headers;
    this.#pendingResponse?.applyTo(exit.headers);
    if (this.#exitTrailers !== undefined) this.#addTrailers(this.#exitTrailers);
    this.#bodyQueue = exit.body.length === 0 ? [null] : [exit.body, null];
    this.#runHeaderFilter(undefined);
  }

  #runHeaderFilter(controller: Dispatcher.DispatchController | undefined, from = 0, done?: () => void): void {
    const list = this.collected;
    for (let index = from; index < list.length; index++) {
      const instance = list[index]!;
      const headerFilter = instance.handlers.headerFilter;
      if (headerFilter === undefined) continue;
      const context = this.#context(index, instance);
      context.phase = "headerFilter";
      let result: unknown;
      try {
        result = this.#invoke(instance, "header_filter", headerFilter, context);
      } catch (error) {
        this.#headerFilterFailed(instance, error);
        continue;
      }
      if (isThenable(result)) {
        controller?.pause();
        this.#headerFilterPending = true;
        result.then(
          () => this.#runHeaderFilter(controller, index + 1, done),
          (error: unknown) => {
            this.#headerFilterFailed(instance, error);
            this.#runHeaderFilter(controller, index + 1, done);
          },
        );
        return;
      }
    }
    if (done === undefined) this.#writeHead(controller);
    else done();
  }

  /**
   * For adapters whose host writes the response (Fastify): runs headerFilter over the host's status and headers.
   * Returns a promise only when some handler was asynchronous.
   */
  filterHead(status: number, headers: MutableHeaders, source: ResponseSource): Promise<void> | undefined {
    if (source === "upstream" && this.#upstreamMs === undefined && this.#upstreamStartMark > 0) this.#upstreamMs = performance.now() - this.#upstreamStartMark;
    this.status = status;
    this.source = source;
    this.responseHeaders = headers;
    this.#pendingResponse?.applyTo(headers);
    let synchronous = true;
    let resolve: () => void = () => {};
    const promise = new Promise<void>((settle) => {
      resolve = settle;
    });
    this.#runHeaderFilter(undefined, 0, () => {
      if (!synchronous) resolve();
    });
    synchronous = false;
    return this.#headerFilterPending ? promise : undefined;
  }

  /**
   * For adapters whose host app is the upstream: true once the head is out and the body needs no filtering or
   * queueing, so the app's writes may go to the client as they are.
   */
  get streamsDirectly(): boolean {
    return this.#headWritten && this.#bodyQueue === undefined && !this.#replaced;
  }

  /** True when this request's chain has body filters. */
  get hasBodyFilters(): boolean {
    return this.chain.hasBodyFilter && this.collected.some((instance) => instance.handlers.bodyFilter !== undefined);
  }

  /** For adapters: runs the body filters over one chunk; undefined when a filter failed and the response must abort. */
  filterChunk(chunk: Buffer, eof: boolean): Promise<Buffer | undefined> {
    return this.#filterChunk(chunk, eof);
  }

  /** For adapters that detect the end of the response themselves: runs the log phase once. */
  finish(): void {
    this.#onClose();
  }

  #headerFilterFailed(instance: CompiledInstance, error: unknown): void {
    this.environment.metrics.recordPluginError(instance.name, "headerFilter");
    this.#log("error", "headerFilter handler failed", instance, error);
    // Headers are not sent yet, so the client still gets a clean 500 instead of a half-filtered response.
    this.#replaced = true;
    this.#controller?.abort(new Error("response replaced after a headerFilter failure"));
    const rendered = renderError(500, undefined, this.requestId, this.clientRequest.header("accept"));
    const body = Buffer.from(rendered.body);
    this.status = 500;
    this.source = "error";
    this.responseHeaders = { "content-type": rendered.contentType, "content-length": String(body.length) };
    this.#bodyQueue = [body, null];
  }

  #writeHead(controller: Dispatcher.DispatchController | undefined): void {
    const headers = this.responseHeaders;
    if (this.hasBodyFilters) {
      delete headers["content-length"];
      this.#bodyQueue ??= [];
    }
    headers["x-request-id"] ??= this.requestId;
    this.#headWritten = true;
    if (this.#finished) return;
    try {
      this.writer.writeHead(this.status, headers as Record<string, string | string[]>);
    } catch (error) {
      this.environment.logger.error("invalid response head; answering 502", { requestId: this.requestId, error });
      this.#controller?.abort(error as Error);
      this.outgoing.destroy();
      return;
    }
    if (this.method === "HEAD") this.#bodyQueue = this.#bodyQueue?.filter((chunk) => chunk === null);
    if (this.#bodyQueue !== undefined) this.#pump(controller);
    else controller?.resume();
  }

  /** Drains queued body chunks through the body filters, in order, with backpressure from the client socket. */
  #pump(controller: Dispatcher.DispatchController | undefined): void {
    if (this.#pumping) return;
    this.#pumping = true;
    void this.#drainQueue().then((state) => {
      this.#pumping = false;
      if (state !== "drained") return;
      // A chunk may have arrived while the last write was in flight; it is still ours to send.
      if (this.#bodyQueue !== undefined && this.#bodyQueue.length > 0) this.#pump(controller);
      else controller?.resume();
    });
  }

  async #drainQueue(): Promise<"drained" | "ended" | "aborted"> {
    const queue = this.#bodyQueue!;
    while (queue.length > 0) {
      const next = queue.shift()!;
      const eof = next === null;
      const chunk = await this.#filterChunk(eof ? Buffer.alloc(0) : next, eof);
      if (chunk === undefined) {
        queue.length = 0;
        this.#replaced = true;
        this.#controller?.abort(new Error("a bodyFilter failed"));
        this.outgoing.destroy();
        return "aborted";
      }
      if (chunk.length > 0 && !this.outgoing.destroyed && !this.writer.write(chunk)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            this.outgoing.off("drain", done);
            this.outgoing.off("close", done);
            resolve();
          };
          this.outgoing.on("drain", done);
          this.outgoing.on("close", done);
        });
      }
      if (eof) {
        this.writer.end();
        return "ended";
      }
    }
    return "drained";
  }

  async #filterChunk(input: Buffer, eof: boolean): Promise<Buffer | undefined> {
    let chunk = input;
    const list = this.collected;
    for (let index = 0; index < list.length; index++) {
      const instance = list[index]!;
      const bodyFilter = instance.handlers.bodyFilter;
      if (bodyFilter === undefined) continue;
      const context = this.#context(index, instance);
      context.phase = "bodyFilter";
      try {
        let result = bodyFilter.call(instance.handlers, context as never, chunk, eof);
        if (isThenable(result)) result = await result;
        if (result === null) chunk = Buffer.alloc(0);
        else if (typeof result === "string") chunk = Buffer.from(result);
        else if (result !== undefined) chunk = result;
      } catch (error) {
        this.environment.metrics.recordPluginError(instance.name, "bodyFilter");
        this.#log("error", "bodyFilter handler failed; aborting the response", instance, error);
        return undefined;
      }
    }
    return chunk;
  }

  // --- log -------------------------------------------------------------------------------------------------

  #onClose(): void {
    if (this.#logged) return;
    this.#logged = true;
    this.#finished = true;
    this.#signalController?.abort();
    if (!this.outgoing.writableFinished) this.#controller?.abort(new Error("client closed the connection"));
    this.#runLog();
  }

  #finishWithoutResponse(): void {
    this.environment.logger.debug("client went away before the response", { requestId: this.requestId });
  }

  #runLog(): void {
    const total = performance.now() - this.startMark;
    const environment = this.environment;
    const status = this.outgoing.headersSent ? this.outgoing.statusCode : this.#finished ? 499 : this.status;
    if (!this.outgoing.headersSent) this.status = status;
    environment.metrics.recordRequest(this.route?.name ?? this.route?.id ?? "none", status, total / 1000);
    const list = this.collected;
    let pending: Promise<void> | undefined;
    for (let index = 0; index < list.length; index++) {
      const instance = list[index]!;
      const log = instance.handlers.log;
      if (log === undefined) continue;
      const context = this.#context(index, instance);
      context.phase = "log";
      try {
        const result = this.#invoke(instance, "log", log, context);
        if (isThenable(result)) {
          const settled = Promise.resolve(result).then(
            () => undefined,
            (error: unknown) => this.#logFailed(instance, error),
          );
          pending = pending === undefined ? settled : pending.then(() => settled);
        }
      } catch (error) {
        this.#logFailed(instance, error);
      }
    }
    if (this.#span !== undefined) endRequestSpan(this.#span, status);
    if (environment.accessLog) {
      environment.logger.writeRecord({
        time: new Date(this.startedAt).toISOString(),
        type: "access",
        requestId: this.requestId,
        method: this.method,
        path: this.clientRequest.rawPath,
        status,
        source: this.source,
        route: this.route?.name ?? this.route?.id,
        service: this.service?.name ?? this.service?.id,
        consumer: this.consumer?.username ?? this.consumer?.id,
        clientIp: this.clientRequest.clientIp,
        latency: { total: Math.round(total * 1000) / 1000, upstream: this.#upstreamMs === undefined ? undefined : Math.round(this.#upstreamMs * 1000) / 1000 },
      });
    }
    if (pending === undefined) environment.onFinished(this.snapshot);
    else void pending.finally(() => environment.onFinished(this.snapshot));
  }

  #logFailed(instance: CompiledInstance, error: unknown): void {
    this.environment.metrics.recordPluginError(instance.name, "log");
    this.#log("error", "log handler failed", instance, error);
  }
}
