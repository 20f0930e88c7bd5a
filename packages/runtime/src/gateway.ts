import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { dirname, resolve } from "node:path";
import { GatewayError, type Plugin } from "@portcullis/sdk";
import { loadConfig } from "./config/index.js";
import type { ConfigIssue, GatewayConfig } from "./config/types.js";
import { runtimeErrors } from "./errors.js";
import { Exchange, type ExchangeEnvironment, type ResponseWriter } from "./exchange.js";
import { firstValue, hasDuplicateHost } from "./headers.js";
import { Http2Upstreams } from "./http2-upstream.js";
import { createLogger, type LoggerOptions, type RuntimeLogger, silentLogger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { normalizePath } from "./router/index.js";
import { createMiddleware } from "./middleware.js";
import { activeTracer } from "./telemetry.js";
import { buildSnapshot, closeSnapshot, type Snapshot } from "./snapshot.js";
import { newRequestId } from "./request-id.js";
import { TargetRegistry } from "./health/registry.js";
import { UpstreamPools } from "./upstream-pools.js";
import { isWebSocketUpgrade, proxyWebSocket, upgradeResponse } from "./websocket-proxy.js";

export type ConfigInput = string | Readonly<Record<string, unknown>>;

export interface GatewayOptions {
  /** A path to a YAML or JSON file in Kong's declarative format, or the document itself. */
  readonly config: ConfigInput;
  /** Plugin objects made with `definePlugin`, referenced in config by their name. */
  // biome-ignore lint/suspicious/noExplicitAny: plugins of any config type are accepted
  readonly plugins?: readonly Plugin<any>[];
  /** A logger, logger options, or false for silence. Default: JSON lines on stdout at info. */
  readonly logger?: RuntimeLogger | LoggerOptions | false;
  /** Values for `${VAR}` references in the config. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Write a JSON access-log line per request. Default true. */
  readonly accessLog?: boolean;
  /** Where relative plugin paths and a relative config path resolve from. Default: the config file's folder, or cwd. */
  readonly cwd?: string;
  /** Epoch milliseconds, for plugins' clocks. Default Date.now. */
  readonly now?: () => number;
}

export interface GatewayStatus {
  readonly configVersion: number;
  readonly loadedAt: string;
  readonly inflight: number;
  readonly requests: number;
  readonly routes: number;
  readonly services: number;
  readonly plugins: readonly string[];
  readonly uptimeSeconds: number;
}

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Express/Connect middleware: `(req, res, next)`. */
export type ConnectMiddleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

export interface EmbedOptions {
  /** Called when access let the request through: hand it to the host app. */
  proceed(exchange: Exchange): void;
  /** Where the exchange writes an exit or filtered response; default the response itself. */
  readonly writer?: ResponseWriter;
  /** Whether the exchange runs the log phase on the response's `close` event; default true. */
  readonly closeListener?: boolean;
  /** Sends an exit (respond, error, refusal) the host's way instead of writing it to the response directly. */
  readonly onExit?: (exchange: Exchange) => void;
}

export interface Gateway {
  /** A `(req, res)` listener for `http.createServer` that proxies by the config. */
  readonly handler: RequestListener;
  /**
   * An `'upgrade'` listener for the same server: a WebSocket handshake runs the route's access phase (auth, rate
   * limits), then the connection is relayed to the upstream; log runs when it closes. Other upgrades are served as
   * plain HTTP/1.1 requests.
   */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Swaps in a new config atomically; in-flight requests finish on the old one. Rejects and changes nothing if invalid. */
  reload(config?: ConfigInput): Promise<void>;
  /** Lets in-flight requests finish (up to `timeout` ms), closes plugin instances and upstream connections. */
  close(options?: { readonly timeout?: number }): Promise<void>;
  readonly metrics: Metrics;
  readonly logger: RuntimeLogger;
  status(): GatewayStatus;
  /** The live config, as loaded. */
  config(): GatewayConfig;
  /**
   * Express/Connect middleware where the host app is the upstream: access runs before `next()`, headerFilter and
   * bodyFilter wrap the app's response, and log runs when it finishes. Requests no route selects pass untouched.
   */
  middleware(): ConnectMiddleware;
  /** @internal The live snapshot, for the middleware adapters and admin. */
  snapshot(): Snapshot;
  /**
   * @internal For embedding adapters: starts an exchange whose upstream is the host app, or returns undefined when
   * no configured route selects the request (it must then pass through untouched).
   */
  embed(request: IncomingMessage, response: ServerResponse, options: EmbedOptions): Exchange | undefined;
}

const requestIdPattern = /^[\w.:@=+/-]{1,200}$/;

function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `  - ${issue.path === "" ? "(document)" : issue.path}: ${issue.message}`).join("\n");
}

/** The error thrown for an invalid config: its message lists every issue; `details.issues` holds them. */
export function configError(issues: readonly ConfigIssue[], file: string | undefined): GatewayError {
  const base = runtimeErrors.CONFIG_INVALID(file === undefined ? "" : ` in ${file}`, formatIssues(issues));
  return new GatewayError(base.code, base.message, base.status, { details: { issues, file } });
}

function resolveLogger(option: GatewayOptions["logger"]): RuntimeLogger {
  if (option === false) return silentLogger;
  if (option !== undefined && "child" in option && typeof option.child === "function") return option as RuntimeLogger;
  return createLogger(option as LoggerOptions | undefined);
}

/**
 * Loads a config and returns a gateway: a request listener plus reload and close. Nothing listens here; pass
 * `gateway.handler` to `http.createServer`, or use the middleware adapters to embed it in an app.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const logger = resolveLogger(options.logger);
  const metrics = new Metrics();
  const pools = new UpstreamPools();
  const http2Upstreams = new Http2Upstreams();
  const targetRegistry = new TargetRegistry({ logger, metrics, now: options.now });
  const registered = new Map<string, Plugin<unknown>>();
  for (const plugin of options.plugins ?? []) {
    const existing = registered.get(plugin.name);
    if (existing !== undefined && existing !== plugin) {
      throw runtimeErrors.PLUGIN_DUPLICATE_NAME(`two registered plugins are named '${plugin.name}'`);
    }
    registered.set(plugin.name, plugin);
  }
  const now = options.now ?? Date.now;
  const startedAt = Date.now();
  let version = 0;
  let lastInput = options.config;
  let closing = false;
  let loadedAt = new Date();
  const live = new Set<Snapshot>();
  const drained: (() => void)[] = [];

  const environment: ExchangeEnvironment = {
    logger,
    tracer: activeTracer(),
    metrics,
    pools,
    http2: http2Upstreams,
    accessLog: options.accessLog ?? true,
    onFinished(snapshot) {
      snapshot.inflight--;
      if (snapshot.inflight === 0 && snapshot.retired) retire(snapshot);
      if (closing && [...live].every((candidate) => candidate.inflight === 0)) for (const resolve of drained.splice(0)) resolve();
    },
  };

  function retire(snapshot: Snapshot): void {
    live.delete(snapshot);
    void closeSnapshot(snapshot, logger);
  }

  async function load(input: ConfigInput): Promise<Snapshot> {
    const file = typeof input === "string" ? resolve(options.cwd ?? process.cwd(), input) : undefined;
    const baseDirectory = options.cwd ?? (file === undefined ? process.cwd() : dirname(file));
    const loaded = await loadConfig(file ?? (input as Record<string, unknown>), { env: options.env ?? process.env, cwd: baseDirectory });
    if (!loaded.ok) throw configError(loaded.issues, file);
    const built = await buildSnapshot(loaded.config, { registered, baseDirectory, logger, now, version: version + 1, targetRegistry });
    if (!built.ok) throw configError(built.issues, file);
    version++;
    return built.snapshot;
  }

  let current = await load(options.config);
  live.add(current);

  interface ParsedRequest {
    readonly rawPath: string;
    readonly rawQuery: string;
    readonly requestId: string;
    readonly method: string;
    readonly scheme: "http" | "https";
    readonly path: string | undefined;
  }

  function parseRequest(request: IncomingMessage): ParsedRequest {
    const url = request.url ?? "/";
    const questionMark = url.indexOf("?");
    let rawPath = questionMark === -1 ? url : url.slice(0, questionMark);
    const rawQuery = questionMark === -1 ? "" : url.slice(questionMark + 1);
    if (!rawPath.startsWith("/")) {
      // Absolute-form request targets (RFC 9112 3.2.2) carry the path after the authority.
      const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(rawPath);
      rawPath = absolute === null ? rawPath : (absolute[1] ?? "/");
    }
    const suppliedId = firstValue(request.headers["x-request-id"]);
    return {
      rawPath,
      rawQuery,
      requestId: suppliedId !== undefined && requestIdPattern.test(suppliedId) ? suppliedId : newRequestId(),
      method: request.method ?? "GET",
      scheme: (request.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http",
      path: normalizePath(rawPath),
    };
  }

  function matchRoute(snapshot: Snapshot, request: IncomingMessage, parsed: ParsedRequest, path: string) {
    const hostHeader = request.headers.host;
    let host = hostHeader === undefined ? "" : hostHeader.toLowerCase();
    const colon = host.lastIndexOf(":");
    if (colon !== -1 && !host.endsWith("]")) host = host.slice(0, colon);
    const contentType = request.headers["content-type"];
    const protocol = contentType !== undefined && contentType.startsWith("application/grpc") ? (parsed.scheme === "https" ? "grpcs" : "grpc") : parsed.scheme;
    return snapshot.router.match({ method: parsed.method, host, path, protocol, header: (name) => firstValue(request.headers[name]) });
  }

  const handler: RequestListener = (request, response) => {
    const snapshot = current;
    snapshot.inflight++;
    const parsed = parseRequest(request);
    const { path, rawPath, rawQuery, requestId, method, scheme } = parsed;
    // Two Host headers: Node keeps the first for routing, an upstream may read the last. Refuse the ambiguity.
    const duplicateHost = hasDuplicateHost(request.rawHeaders);
    if (path === undefined || closing || duplicateHost) {
      const exchange = new Exchange(environment, snapshot, request, response, requestId, method, rawPath, rawPath, rawQuery, scheme, snapshot.globalChain, undefined, undefined, undefined);
      if (closing) exchange.fail(503, runtimeErrors.SHUTTING_DOWN.template);
      else {
        logger.warn(duplicateHost ? "request refused: duplicate Host header" : "request path rejected", { requestId, path: rawPath.slice(0, 200) });
        exchange.fail(400, "Bad request");
      }
      return;
    }
    const match = matchRoute(snapshot, request, parsed, path);
    if (match === undefined) {
      const exchange = new Exchange(environment, snapshot, request, response, requestId, method, path, rawPath, rawQuery, scheme, snapshot.globalChain, undefined, undefined, undefined);
      exchange.fail(404, runtimeErrors.ROUTE_NOT_FOUND.template);
      return;
    }
    const route = match.route;
    const service = route.serviceId === undefined ? undefined : snapshot.services.get(route.serviceId);
    const chain = snapshot.chains.get(route.id) ?? snapshot.globalChain;
    new Exchange(environment, snapshot, request, response, requestId, method, path, rawPath, rawQuery, scheme, chain, route, match, service).start();
  };

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const response = upgradeResponse(request, socket);
    if (!isWebSocketUpgrade(request) || closing) return handler(request, response);
    const snapshot = current;
    const parsed = parseRequest(request);
    const match = parsed.path === undefined ? undefined : matchRoute(snapshot, request, parsed, parsed.path);
    // Bad paths and unrouted handshakes get the same answers as any request.
    if (match === undefined) return handler(request, response);
    snapshot.inflight++;
    const route = match.route;
    const service = route.serviceId === undefined ? undefined : snapshot.services.get(route.serviceId);
    const chain = snapshot.chains.get(route.id) ?? snapshot.globalChain;
    const { requestId, method, path, rawPath, rawQuery, scheme } = parsed;
    new Exchange(environment, snapshot, request, response, requestId, method, path!, rawPath, rawQuery, scheme, chain, route, match, service, {
      kind: "local",
      proceed: (exchange) => proxyWebSocket(exchange, response, socket, head),
    }).start();
  }

  function embed(request: IncomingMessage, response: ServerResponse, embedOptions: EmbedOptions): Exchange | undefined {
    const snapshot = current;
    const parsed = parseRequest(request);
    // Passing these to the app untouched would let them skip the plugins a route guards: refuse them instead.
    if (parsed.path === undefined || closing || hasDuplicateHost(request.rawHeaders)) {
      snapshot.inflight++;
      const refused = new Exchange(
        environment,
        snapshot,
        request,
        response,
        parsed.requestId,
        parsed.method,
        parsed.rawPath,
        parsed.rawPath,
        parsed.rawQuery,
        parsed.scheme,
        snapshot.globalChain,
        undefined,
        undefined,
        undefined,
        { kind: "local", proceed: () => {} },
        embedOptions.writer,
        embedOptions.closeListener ?? true,
      );
      refused.onExit = embedOptions.onExit;
      if (closing) refused.fail(503, runtimeErrors.SHUTTING_DOWN.template);
      else {
        logger.warn("embedded request refused: bad path or duplicate Host header", { requestId: parsed.requestId, path: parsed.rawPath.slice(0, 200) });
        refused.fail(400, "Bad request");
      }
      return refused;
    }
    let match: ReturnType<typeof matchRoute>;
    let chain = snapshot.globalChain;
    // A config with routes selects requests by route; a plugins-only config applies its global plugins to all.
    if (snapshot.config.routes.length > 0) {
      match = matchRoute(snapshot, request, parsed, parsed.path);
      if (match === undefined) return undefined;
      chain = snapshot.chains.get(match.route.id) ?? snapshot.globalChain;
    }
    if (chain.slots.length === 0) return undefined;
    snapshot.inflight++;
    const route = match?.route;
    const service = route?.serviceId === undefined ? undefined : snapshot.services.get(route.serviceId);
    const exchange = new Exchange(
      environment,
      snapshot,
      request,
      response,
      parsed.requestId,
      parsed.method,
      parsed.path,
      parsed.rawPath,
      parsed.rawQuery,
      parsed.scheme,
      chain,
      route,
      match,
      service,
      { kind: "local", proceed: (started) => embedOptions.proceed(started) },
      embedOptions.writer,
      embedOptions.closeListener ?? true,
    );
    exchange.onExit = embedOptions.onExit;
    exchange.start();
    return exchange;
  }

  return {
    handler,
    handleUpgrade,
    metrics,
    logger,
    async reload(config) {
      const input = config ?? lastInput;
      let next: Snapshot;
      try {
        next = await load(input);
      } catch (error) {
        metrics.recordReload(false);
        logger.error("config reload failed; the previous config keeps serving", { error: GatewayError.is(error) ? error.message : error });
        throw error;
      }
      const previous = current;
      environment.tracer = activeTracer();
      current = next;
      lastInput = input;
      loadedAt = new Date();
      live.add(next);
      previous.retired = true;
      if (previous.inflight === 0) retire(previous);
      targetRegistry.retain(new Set([...live].flatMap((snapshot) => [...snapshot.targets.keys])));
      const origins = new Set([...live].flatMap((snapshot) => [...snapshot.targets.origins]));
      await Promise.all([pools.retain(origins), http2Upstreams.retain(origins)]);
      metrics.recordReload(true);
      logger.info("config reloaded", { version: next.version, routes: next.config.routes.length });
    },
    async close(closeOptions) {
      if (closing) return;
      closing = true;
      const timeout = closeOptions?.timeout ?? 10_000;
      if ([...live].some((snapshot) => snapshot.inflight > 0)) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeout);
          timer.unref();
          drained.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await Promise.all([...live].map((snapshot) => closeSnapshot(snapshot, logger)));
      targetRegistry.close();
      live.clear();
      await Promise.all([pools.close(), http2Upstreams.close()]);
      logger.flush();
    },
    status() {
      return {
        configVersion: current.version,
        loadedAt: loadedAt.toISOString(),
        inflight: [...live].reduce((sum, snapshot) => sum + snapshot.inflight, 0),
        requests: metrics.totalRequests,
        routes: current.config.routes.length,
        services: current.config.services.length,
        plugins: [...new Set(current.instances.map((instance) => instance.name))],
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      };
    },
    config: () => current.config,
    snapshot: () => current,
    embed,
    middleware() {
      return createMiddleware(embed);
    },
  };
}
