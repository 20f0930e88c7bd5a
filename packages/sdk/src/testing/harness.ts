import { randomUUID } from "node:crypto";
import { metrics, trace } from "@opentelemetry/api";
import type {
  AccessContext,
  BodyFilterContext,
  ClientRequest,
  Consumer,
  Credential,
  Exit,
  HeaderFilterContext,
  HeaderValue,
  LogContext,
  Logger,
  Phase,
  ResponseSource,
  RouteInfo,
  ServiceInfo,
  SharedState,
} from "../context.js";
import { defaultErrorMessage, encodeExitBody, renderErrorBody } from "../error-body.js";
import { GatewayError, sdkErrors } from "../errors.js";
import type { Plugin, PluginInstance, PluginScope } from "../plugin.js";
import { cloneJson, compileSchema, joinPath } from "../schema/index.js";
import { HeaderBag } from "./header-bag.js";

export interface TestRequest {
  readonly method?: string;
  /** Path with an optional query, e.g. `/orders?page=2`. */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  readonly body?: string | Uint8Array;
  readonly clientIp?: string;
  readonly scheme?: "http" | "https";
  readonly httpVersion?: string;
}

export interface UpstreamRequestRecord {
  readonly method: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
}

export interface TestUpstreamResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
  /** A string or Buffer is sent as is; an object as JSON. */
  readonly body?: unknown;
  /** Sent as separate chunks, to exercise body filters. Overrides `body`. */
  readonly chunks?: readonly (string | Uint8Array)[];
}

/** A fixed response, or a function of the request the upstream received. Default: 200 echoing that request. */
export type TestUpstream =
  | TestUpstreamResponse
  | ((request: UpstreamRequestRecord) => TestUpstreamResponse | Promise<TestUpstreamResponse>);

export interface ConsumerFixture {
  readonly id?: string;
  readonly username?: string;
  readonly customId?: string;
  /** Credentials by collection name, e.g. `{ jwt_secrets: [{ key, secret }] }`. */
  readonly credentials?: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
}

export interface ChainEntry {
  // biome-ignore lint/suspicious/noExplicitAny: any plugin config type is accepted here
  readonly plugin: Plugin<any>;
  readonly config?: unknown;
  /** Scope this entry to one consumer (id or username); it then overrides the unscoped entry of the same plugin. */
  readonly consumer?: string;
}

export interface HarnessOptions {
  readonly consumers?: readonly ConsumerFixture[];
  /** Epoch milliseconds; default `Date.now`. */
  readonly now?: () => number;
  readonly route?: RouteInfo;
  readonly service?: ServiceInfo;
}

export interface LogRecord {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
  /** The plugin that logged, or undefined for the harness itself. */
  readonly plugin: string | undefined;
}

export interface PhaseError {
  readonly plugin: string;
  readonly phase: Phase;
  readonly error: unknown;
}

export interface ChainResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
  readonly source: ResponseSource;
  /** The upstream request as the plugins left it; undefined when access short-circuited. */
  readonly upstreamRequest: UpstreamRequestRecord | undefined;
  readonly consumer: Consumer | undefined;
  readonly credential: Credential | undefined;
  readonly shared: SharedState;
  /** What the log phase saw. */
  readonly logged: { readonly status: number; readonly headers: Readonly<Record<string, string | string[]>> } | undefined;
  readonly phasesRun: readonly { readonly plugin: string; readonly phase: Phase }[];
  readonly errors: readonly PhaseError[];
  readonly logs: readonly LogRecord[];
}

interface Instance {
  readonly plugin: Plugin<unknown>;
  readonly handlers: PluginInstance;
  readonly consumerId: string | undefined;
}

function createLogger(records: LogRecord[], plugin: string | undefined): Logger {
  const write = (level: LogRecord["level"]) => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    records.push({ level, message, fields, plugin });
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function toBuffer(chunk: string | Uint8Array): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function parseQuery(rawQuery: string): Record<string, string | true | (string | true)[]> {
  const query: Record<string, string | true | (string | true)[]> = {};
  if (rawQuery === "") return query;
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, " "));
      } catch {
        return text;
      }
    };
    const name = decode(equals === -1 ? pair : pair.slice(0, equals));
    const value: string | true = equals === -1 ? true : decode(pair.slice(equals + 1));
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else query[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

/** Sorts by priority, high first; ties go to the greater name first (Kong). */
export function comparePlugins(left: { priority: number; name: string }, right: { priority: number; name: string }): number {
  if (left.priority !== right.priority) return right.priority - left.priority;
  return left.name < right.name ? 1 : left.name > right.name ? -1 : 0;
}

export interface Harness {
  /** Runs one request through the chain: access, upstream (or the exit), headerFilter, bodyFilter, log. */
  request(request?: TestRequest, upstream?: TestUpstream): Promise<ChainResult>;
  /** Closes every instance, as a reload or shutdown would. */
  close(): Promise<void>;
}

/**
 * Builds a chain of plugins in memory, as the runtime would: configs validated with defaults applied, credentials
 * validated and handed to `create`, instances sorted by priority. No sockets.
 *
 * @example
 * const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 2 } }]);
 * const first = await harness.request({ path: "/" });
 */
export async function createHarness(entries: readonly (ChainEntry | Plugin<unknown>)[], options: HarnessOptions = {}): Promise<Harness> {
  const now = options.now ?? Date.now;
  const logs: LogRecord[] = [];
  const consumers: Consumer[] = [];
  const credentialsByCollection = new Map<string, Credential[]>();
  for (const fixture of options.consumers ?? []) {
    const consumer: Consumer = {
      id: fixture.id ?? randomUUID(),
      ...(fixture.username === undefined ? {} : { username: fixture.username }),
      ...(fixture.customId === undefined ? {} : { customId: fixture.customId }),
    };
    consumers.push(consumer);
    for (const [collection, rows] of Object.entries(fixture.credentials ?? {})) {
      const list = credentialsByCollection.get(collection) ?? [];
      for (const row of rows) {
        list.push({ ...cloneJson(row), id: typeof row.id === "string" ? row.id : randomUUID(), collection, consumerId: consumer.id });
      }
      credentialsByCollection.set(collection, list);
    }
  }
  const findConsumer = (idOrUsername: string) =>
    consumers.find((consumer) => consumer.id === idOrUsername) ?? consumers.find((consumer) => consumer.username === idOrUsername);

  const instances: Instance[] = [];
  const controller = new AbortController();
  for (const raw of entries) {
    const entry: ChainEntry = "plugin" in raw ? (raw as ChainEntry) : { plugin: raw as Plugin<unknown> };
    const plugin = entry.plugin as Plugin<unknown>;
    const validate = compileSchema(plugin.configSchema);
    const result = validate(cloneJson(entry.config ?? {}));
    if (!result.ok) {
      throw new GatewayError(
        "PC_ERR_PLUGIN_CONFIG_INVALID",
        `invalid config for plugin '${plugin.name}': ${result.issues.map((issue) => `${joinPath("config", issue.path)}: ${issue.message}`).join("; ")}`,
        500,
      );
    }
    const issues = plugin.checkConfig?.(result.value) ?? [];
    if (issues.length > 0) {
      throw new GatewayError(
        "PC_ERR_PLUGIN_CONFIG_INVALID",
        `invalid config for plugin '${plugin.name}': ${issues.map((issue) => `${joinPath("config", issue.path)}: ${issue.message}`).join("; ")}`,
        500,
      );
    }
    const credentials: Record<string, Credential[]> = {};
    for (const [collection, spec] of Object.entries(plugin.credentials ?? {})) {
      const validateCredential = compileSchema(spec.schema);
      credentials[collection] = (credentialsByCollection.get(collection) ?? []).map((credential) => {
        const { id, collection: name, consumerId, ...fields } = credential;
        const checked = validateCredential(fields);
        if (!checked.ok) {
          throw new GatewayError(
            "PC_ERR_CREDENTIAL_INVALID",
            `invalid ${collection} credential: ${checked.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`,
            500,
          );
        }
        return { ...(checked.value as Record<string, unknown>), id, collection: name, consumerId };
      });
    }
    const consumerId = entry.consumer === undefined ? undefined : findConsumer(entry.consumer)?.id;
    if (entry.consumer !== undefined && consumerId === undefined) {
      throw new GatewayError("PC_ERR_CONSUMER_NOT_FOUND", `no consumer '${entry.consumer}' for plugin '${plugin.name}'`, 500);
    }
    const scope: PluginScope = {
      level: consumerId === undefined ? "global" : "consumer",
      routeId: undefined,
      serviceId: undefined,
      consumerId,
    };
    const handlers = await plugin.create(result.value, {
      log: createLogger(logs, plugin.name),
      tracer: trace.getTracer("portcullis-harness"),
      meter: metrics.getMeter("portcullis-harness"),
      consumers,
      findConsumer,
      credentials,
      scope,
      instanceId: randomUUID(),
      signal: controller.signal,
      now,
    });
    instances.push({ plugin, handlers, consumerId });
  }
  instances.sort((left, right) => comparePlugins(left.plugin, right.plugin));
  const pluginOrder: Instance[][] = [];
  for (const instance of instances) {
    const group = pluginOrder.find((existing) => existing[0]?.plugin.name === instance.plugin.name);
    if (group === undefined) pluginOrder.push([instance]);
    else group.push(instance);
  }

  return {
    request: (request = {}, upstream) => runRequest(pluginOrder, request, upstream, options, now),
    async close() {
      controller.abort();
      for (const instance of instances) await instance.handlers.close?.();
    },
  };
}

async function runRequest(
  pluginOrder: readonly Instance[][],
  request: TestRequest,
  upstream: TestUpstream | undefined,
  options: HarnessOptions,
  now: () => number,
): Promise<ChainResult> {
  const logs: LogRecord[] = [];
  const phasesRun: { plugin: string; phase: Phase }[] = [];
  const errors: PhaseError[] = [];
  const startedAt = now();
  const requestId = randomUUID();
  const fullPath = request.path ?? "/";
  const questionMark = fullPath.indexOf("?");
  const rawPath = questionMark === -1 ? fullPath : fullPath.slice(0, questionMark);
  const rawQuery = questionMark === -1 ? "" : fullPath.slice(questionMark + 1);
  const requestHeaders = new HeaderBag(request.headers);
  if (requestHeaders.get("host") === undefined) requestHeaders.set("host", "localhost");
  const requestBody = request.body === undefined ? Buffer.alloc(0) : toBuffer(request.body);
  const method = (request.method ?? "GET").toUpperCase();
  const hostHeader = requestHeaders.get("host") ?? "localhost";
  const [hostName = "localhost", hostPort] = hostHeader.toLowerCase().split(":");
  const clientRequest: ClientRequest = {
    method,
    path: rawPath,
    rawPath,
    rawQuery,
    query: parseQuery(rawQuery),
    headers: requestHeaders.record,
    header: (name) => requestHeaders.get(name),
    httpVersion: request.httpVersion ?? "1.1",
    clientIp: request.clientIp ?? "127.0.0.1",
    scheme: request.scheme ?? "http",
    host: hostName,
    port: hostPort === undefined ? (request.scheme === "https" ? 443 : 80) : Number(hostPort),
    async body(bodyOptions) {
      const limit = bodyOptions?.limit ?? 1024 * 1024;
      if (requestBody.length > limit) throw sdkErrors.BODY_TOO_LARGE();
      return requestBody;
    },
  };
  const upstreamHeaders = new HeaderBag(request.headers);
  if (upstreamHeaders.get("host") === undefined) upstreamHeaders.set("host", "localhost");
  let upstreamPath = rawPath;
  let upstreamQuery = rawQuery;
  const pendingHeaders: ((headers: HeaderBag) => void)[] = [];
  const shared: SharedState = {};
  const states = new Map<Instance, Record<string, unknown>>();
  const stateOf = (instance: Instance) => {
    let state = states.get(instance);
    if (state === undefined) states.set(instance, (state = {}));
    return state;
  };
  let consumer: Consumer | undefined;
  let credential: Credential | undefined;
  let exit: { status: number; body: Buffer; headers: HeaderBag; source: ResponseSource } | undefined;
  const signal = new AbortController().signal;

  const makeExit = (status: number, body: Buffer, contentType: string | undefined, headers: Readonly<Record<string, HeaderValue>> | undefined, source: ResponseSource, by: string): Exit => {
    if (exit !== undefined) throw sdkErrors.RESPONSE_ALREADY_SET(by);
    const bag = new HeaderBag(headers);
    bag.remove("transfer-encoding");
    if (contentType !== undefined && bag.get("content-type") === undefined) bag.set("content-type", contentType);
    bag.set("content-length", String(body.length));
    exit = { status, body, headers: bag, source };
    return { status };
  };
  const errorExit = (status: number, message: string | undefined, headers: Readonly<Record<string, HeaderValue>> | undefined, by: string) => {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw sdkErrors.STATUS_INVALID("code must be a number between 400 and 599");
    }
    const rendered = renderErrorBody(message ?? defaultErrorMessage(status), requestId, requestHeaders.get("accept"));
    return makeExit(status, Buffer.from(rendered.body), rendered.contentType, headers, "error", by);
  };

  // The chain of instances this request uses, in priority order; consumer-scoped entries are resolved when reached.
  const chosen: Instance[] = [];
  const base = (instance: Instance) => ({
    request: clientRequest,
    requestId,
    route: options.route,
    service: options.service,
    get consumer() {
      return consumer;
    },
    get credential() {
      return credential;
    },
    shared,
    state: stateOf(instance),
    log: createLogger(logs, instance.plugin.name),
    signal,
  });

  const accessStartedAt = now();
  for (const group of pluginOrder) {
    const instance =
      (consumer === undefined ? undefined : group.find((candidate) => candidate.consumerId === consumer?.id)) ??
      group.find((candidate) => candidate.consumerId === undefined);
    if (instance === undefined) continue;
    chosen.push(instance);
    if (exit !== undefined || instance.handlers.access === undefined) continue;
    const name = instance.plugin.name;
    const ctx: AccessContext = {
      ...base(instance),
      phase: "access",
      upstream: {
        get headers() {
          return upstreamHeaders.record;
        },
        header: (header) => upstreamHeaders.get(header),
        setHeader: (header, value) => upstreamHeaders.set(header, value),
        addHeader: (header, value) => upstreamHeaders.add(header, value),
        removeHeader: (header) => upstreamHeaders.remove(header),
        get path() {
          return upstreamPath;
        },
        setPath: (path) => {
          upstreamPath = path;
        },
        get rawQuery() {
          return upstreamQuery;
        },
        setQuery: (query) => {
          upstreamQuery =
            typeof query === "string"
              ? query
              : new URLSearchParams(
                  Object.entries(query).flatMap(([key, values]): [string, string][] =>
                    typeof values === "string" ? [[key, values]] : values.map((value): [string, string] => [key, value]),
                  ),
                ).toString();
        },
      },
      response: {
        setHeader: (header, value) => pendingHeaders.push((bag) => bag.set(header, value)),
        addHeader: (header, value) => pendingHeaders.push((bag) => bag.add(header, value)),
        removeHeader: (header) => pendingHeaders.push((bag) => bag.remove(header)),
      },
      respond(status, body, headers) {
        if (!Number.isInteger(status) || status < 100 || status > 599) {
          throw sdkErrors.STATUS_INVALID("code must be a number between 100 and 599");
        }
        const encoded = encodeExitBody(body);
        return makeExit(status, encoded.body, encoded.contentType, headers, "exit", name);
      },
      error: (status, message, headers) => errorExit(status, message, headers, name),
      authenticate(nextConsumer, nextCredential) {
        if (nextConsumer === undefined && nextCredential === undefined) throw sdkErrors.AUTHENTICATE_ARGUMENTS();
        consumer = nextConsumer;
        credential = nextCredential;
      },
    };
    phasesRun.push({ plugin: name, phase: "access" });
    try {
      await instance.handlers.access(ctx);
    } catch (error) {
      errors.push({ plugin: name, phase: "access", error });
      logs.push({ level: "error", message: "access handler failed", fields: { plugin: name, error }, plugin: undefined });
      exit = undefined;
      if (GatewayError.is(error) && error.expose) errorExit(error.status, error.message, undefined, name);
      else errorExit(500, "An unexpected error occurred", undefined, name);
    }
  }
  const accessMs = now() - accessStartedAt;

  let status: number;
  let source: ResponseSource;
  const responseHeaders = new HeaderBag();
  let chunks: Buffer[];
  let upstreamRequest: UpstreamRequestRecord | undefined;
  let upstreamMs: number | undefined;
  if (exit !== undefined) {
    const decided = exit as { status: number; body: Buffer; headers: HeaderBag; source: ResponseSource };
    status = decided.status;
    source = decided.source;
    Object.assign(responseHeaders.values, decided.headers.values);
    chunks = decided.body.length === 0 ? [] : [decided.body];
  } else {
    upstreamRequest = { method, path: upstreamPath, rawQuery: upstreamQuery, headers: { ...upstreamHeaders.values }, body: requestBody };
    const upstreamStartedAt = now();
    const answer =
      typeof upstream === "function"
        ? await upstream(upstreamRequest)
        : (upstream ?? { status: 200, headers: { "content-type": "application/json" }, body: upstreamRequest });
    upstreamMs = now() - upstreamStartedAt;
    status = answer.status ?? 200;
    source = "upstream";
    for (const [name, value] of Object.entries(answer.headers ?? {})) responseHeaders.set(name, value);
    if (answer.chunks !== undefined) chunks = answer.chunks.map(toBuffer);
    else {
      const encoded = encodeExitBody(answer.body);
      if (encoded.contentType !== undefined && responseHeaders.get("content-type") === undefined) {
        responseHeaders.set("content-type", encoded.contentType);
      }
      chunks = encoded.body.length === 0 ? [] : [encoded.body];
    }
    const length = chunks.reduce((total, chunk) => total + chunk.length, 0);
    if (responseHeaders.get("content-length") === undefined && answer.chunks === undefined) {
      responseHeaders.set("content-length", String(length));
    }
  }
  for (const apply of pendingHeaders) apply(responseHeaders);

  for (const instance of chosen) {
    if (instance.handlers.headerFilter === undefined) continue;
    const ctx: HeaderFilterContext = {
      ...base(instance),
      phase: "headerFilter",
      response: {
        get status() {
          return status;
        },
        source,
        get headers() {
          return responseHeaders.record;
        },
        header: (name) => responseHeaders.get(name),
        setStatus: (next) => {
          status = next;
        },
        setHeader: (name, value) => responseHeaders.set(name, value),
        addHeader: (name, value) => responseHeaders.add(name, value),
        removeHeader: (name) => responseHeaders.remove(name),
      },
    };
    phasesRun.push({ plugin: instance.plugin.name, phase: "headerFilter" });
    try {
      await instance.handlers.headerFilter(ctx);
    } catch (error) {
      errors.push({ plugin: instance.plugin.name, phase: "headerFilter", error });
      logs.push({ level: "error", message: "headerFilter handler failed", fields: { plugin: instance.plugin.name, error }, plugin: undefined });
      const rendered = renderErrorBody("An unexpected error occurred", requestId, requestHeaders.get("accept"));
      status = 500;
      source = "error";
      for (const name of Object.keys(responseHeaders.values)) responseHeaders.remove(name);
      responseHeaders.set("content-type", rendered.contentType);
      responseHeaders.set("content-length", String(Buffer.byteLength(rendered.body)));
      chunks = [Buffer.from(rendered.body)];
    }
  }

  const filters = chosen.filter((instance) => instance.handlers.bodyFilter !== undefined);
  let output: Buffer[] = chunks;
  if (filters.length > 0) {
    responseHeaders.remove("content-length");
    output = [];
    const view = {
      get status() {
        return status;
      },
      source,
      headers: responseHeaders.record,
      header: (name: string) => responseHeaders.get(name),
    };
    const contexts = filters.map((instance): BodyFilterContext => ({ ...base(instance), phase: "bodyFilter", response: view }));
    let failed = false;
    const pass = async (chunk: Buffer, eof: boolean) => {
      let current: Buffer = chunk;
      for (let index = 0; index < filters.length && !failed; index++) {
        const instance = filters[index]!;
        try {
          const result = await instance.handlers.bodyFilter!(contexts[index]!, current, eof);
          if (result === undefined) continue;
          current = result === null ? Buffer.alloc(0) : typeof result === "string" ? Buffer.from(result) : result;
        } catch (error) {
          failed = true;
          errors.push({ plugin: instance.plugin.name, phase: "bodyFilter", error });
          logs.push({ level: "error", message: "bodyFilter handler failed; response aborted", fields: { plugin: instance.plugin.name, error }, plugin: undefined });
        }
      }
      if (!failed && current.length > 0) output.push(current);
    };
    for (const chunk of chunks) {
      if (failed) break;
      await pass(chunk, false);
    }
    if (!failed) await pass(Buffer.alloc(0), true);
    for (const instance of filters) phasesRun.push({ plugin: instance.plugin.name, phase: "bodyFilter" });
  }
  const body = Buffer.concat(output);

  const finishedAt = now();
  const view = {
    status,
    source,
    headers: responseHeaders.record,
    header: (name: string) => responseHeaders.get(name),
  };
  let logged: ChainResult["logged"];
  for (const instance of chosen) {
    if (instance.handlers.log === undefined) continue;
    const ctx: LogContext = {
      ...base(instance),
      phase: "log",
      response: view,
      timings: { startedAt, access: accessMs, upstream: upstreamMs, total: finishedAt - startedAt },
    };
    logged = { status, headers: { ...responseHeaders.values } };
    phasesRun.push({ plugin: instance.plugin.name, phase: "log" });
    try {
      await instance.handlers.log(ctx);
    } catch (error) {
      errors.push({ plugin: instance.plugin.name, phase: "log", error });
      logs.push({ level: "error", message: "log handler failed", fields: { plugin: instance.plugin.name, error }, plugin: undefined });
    }
  }

  return {
    status,
    headers: responseHeaders.values,
    body,
    text: () => body.toString("utf8"),
    json: <T>() => JSON.parse(body.toString("utf8")) as T,
    source,
    upstreamRequest,
    consumer,
    credential,
    shared,
    logged,
    phasesRun,
    errors,
    logs,
  };
}

/** Runs one request through a chain of plugins and closes it. */
export async function runChain(
  entries: readonly (ChainEntry | Plugin<unknown>)[],
  options: HarnessOptions & { readonly request?: TestRequest; readonly upstream?: TestUpstream } = {},
): Promise<ChainResult> {
  const harness = await createHarness(entries, options);
  try {
    return await harness.request(options.request, options.upstream);
  } finally {
    await harness.close();
  }
}

/** Runs one request through one plugin and closes it. */
export function runPlugin(
  // biome-ignore lint/suspicious/noExplicitAny: any plugin config type is accepted here
  plugin: Plugin<any>,
  options: HarnessOptions & { readonly config?: unknown; readonly request?: TestRequest; readonly upstream?: TestUpstream } = {},
): Promise<ChainResult> {
  return runChain([{ plugin, config: options.config }], options);
}
