import {
  type Consumer,
  type Credential,
  defaultErrorMessage,
  encodeExitBody,
  type Exit,
  type HeaderRecord,
  type HeaderValue,
  type Logger,
  type MutableResponse,
  type PendingResponse,
  type Phase,
  type ResponseSource,
  type ResponseView,
  renderErrorBody,
  sdkErrors,
  type SharedState,
  type Timings,
  type UpstreamRequest,
} from "@portcullis/sdk";
import { runtimeErrors } from "./errors.js";
import type { Exchange } from "./exchange.js";
import { addHeader, assertHeaderValue, firstValue, removeHeader, setHeader } from "./headers.js";
import type { CompiledInstance } from "./snapshot.js";

/**
 * One plugin instance's view of one request, reused across that request's phases. Its `phase` is advanced by the
 * runner; members that a phase does not allow throw PC_ERR_PHASE_NOT_ALLOWED (the types already forbid them).
 */
export class PluginContext {
  phase: Phase = "access";
  #state: Record<string, unknown> | undefined;

  constructor(
    private readonly exchange: Exchange,
    readonly instance: CompiledInstance,
  ) {}

  get request() {
    return this.exchange.clientRequest;
  }
  get requestId(): string {
    return this.exchange.requestId;
  }
  get route() {
    return this.exchange.routeInfo;
  }
  get service() {
    return this.exchange.serviceInfo;
  }
  get consumer(): Consumer | undefined {
    return this.exchange.consumer;
  }
  get credential(): Credential | undefined {
    return this.exchange.credential;
  }
  get shared(): SharedState {
    return this.exchange.shared;
  }
  get state(): Record<string, unknown> {
    this.#state ??= {};
    return this.#state;
  }
  get log(): Logger {
    return this.instance.log;
  }
  get signal(): AbortSignal {
    return this.exchange.signal;
  }
  get timings(): Timings {
    return this.exchange.timings();
  }

  get upstream(): UpstreamRequest {
    this.#only("access", "ctx.upstream");
    return this.exchange.upstreamView;
  }

  get response(): PendingResponse | MutableResponse | ResponseView {
    if (this.phase === "access") return this.exchange.pendingResponse;
    if (this.phase === "headerFilter") return this.exchange.mutableResponse;
    return this.exchange.responseView;
  }

  respond(status: number, body?: unknown, headers?: Readonly<Record<string, HeaderValue>>): Exit {
    this.#only("access", "respond()");
    this.#notDecided();
    if (!Number.isInteger(status) || status < 100 || status > 599) throw sdkErrors.STATUS_INVALID("code must be a number between 100 and 599");
    const encoded = encodeExitBody(body);
    return this.exchange.setExit(status, encoded.body, encoded.contentType, headers, "exit", this.instance.name);
  }

  error(status: number, message?: string, headers?: Readonly<Record<string, HeaderValue>>): Exit {
    this.#only("access", "error()");
    this.#notDecided();
    if (!Number.isInteger(status) || status < 400 || status > 599) throw sdkErrors.STATUS_INVALID("code must be a number between 400 and 599");
    return this.exchange.setError(status, message, headers, this.instance.name);
  }

  authenticate(consumer: Consumer | undefined, credential?: Credential): void {
    this.#only("access", "authenticate()");
    if (consumer === undefined && credential === undefined) throw sdkErrors.AUTHENTICATE_ARGUMENTS();
    this.exchange.consumer = consumer;
    this.exchange.credential = credential;
  }

  /** The response is decided once: a second respond() or error() is a plugin bug, as in the test harness. */
  #notDecided(): void {
    if (this.exchange.exited) throw sdkErrors.RESPONSE_ALREADY_SET(this.exchange.exitBy ?? "another plugin");
  }

  #only(phase: Phase, member: string): void {
    if (this.phase !== phase) throw runtimeErrors.PHASE_NOT_ALLOWED(member, this.phase);
  }
}

/** The upstream request facade: changes are recorded and applied when the request is sent. */
export class UpstreamRequestView implements UpstreamRequest {
  constructor(private readonly exchange: Exchange) {}

  get headers(): HeaderRecord {
    return this.exchange.upstreamHeaders();
  }
  header(name: string): string | undefined {
    const key = name.toLowerCase();
    const overrides = this.exchange.headerOverrides;
    if (overrides?.has(key)) {
      const value = overrides.get(key);
      return value === null || value === undefined ? undefined : firstValue(value);
    }
    return firstValue(this.exchange.incoming.headers[key]);
  }
  setHeader(name: string, value: HeaderValue): void {
    assertHeaderValue(name, value);
    (this.exchange.headerOverrides ??= new Map()).set(name.toLowerCase(), typeof value === "string" ? value : [...value]);
  }
  addHeader(name: string, value: string): void {
    assertHeaderValue(name, value);
    const key = name.toLowerCase();
    const overrides = (this.exchange.headerOverrides ??= new Map());
    const current = overrides.has(key) ? overrides.get(key) : this.exchange.incoming.headers[key];
    const list = current === null || current === undefined ? [] : typeof current === "string" ? [current] : [...current];
    list.push(value);
    overrides.set(key, list.length === 1 ? list[0]! : list);
  }
  removeHeader(name: string): void {
    (this.exchange.headerOverrides ??= new Map()).set(name.toLowerCase(), null);
  }
  get path(): string {
    return this.exchange.upstreamPath();
  }
  setPath(path: string): void {
    if (!path.startsWith("/") || /[\s\0]/.test(path)) throw new TypeError(`invalid upstream path '${path}'`);
    this.exchange.pathOverride = path;
  }
  get rawQuery(): string {
    return this.exchange.queryOverride ?? this.exchange.rawQuery;
  }
  setQuery(query: string | Readonly<Record<string, string | readonly string[]>>): void {
    if (typeof query === "string") {
      if (/[\s\0#]/.test(query)) throw new TypeError("invalid upstream query");
      this.exchange.queryOverride = query.startsWith("?") ? query.slice(1) : query;
      return;
    }
    const parameters = new URLSearchParams();
    for (const [key, values] of Object.entries(query)) {
      for (const value of typeof values === "string" ? [values] : values) parameters.append(key, value);
    }
    this.exchange.queryOverride = parameters.toString();
  }
}

const setOperation = 0;
const addOperation = 1;
const removeOperation = 2;

/**
 * Response headers set during access: kept until the response exists, then applied to it (Kong semantics). The
 * changes are a flat log of (operation, name, value), replayed in order onto whatever response goes out: a push per
 * change, no object per header, and the outcome of any mix of set, add and remove is the order they were made in.
 */
export class PendingResponseView implements PendingResponse {
  #operations: (number | string | string[] | undefined)[] | undefined;

  setHeader(name: string, value: HeaderValue): void {
    assertHeaderValue(name, value);
    (this.#operations ??= []).push(setOperation, name.toLowerCase(), typeof value === "string" ? value : [...value]);
  }
  addHeader(name: string, value: string): void {
    assertHeaderValue(name, value);
    (this.#operations ??= []).push(addOperation, name.toLowerCase(), value);
  }
  removeHeader(name: string): void {
    (this.#operations ??= []).push(removeOperation, name.toLowerCase(), undefined);
  }

  applyTo(headers: Record<string, string | string[] | undefined>): void {
    const operations = this.#operations;
    if (operations === undefined) return;
    for (let index = 0; index < operations.length; index += 3) {
      const name = operations[index + 1] as string;
      const operation = operations[index];
      if (operation === setOperation) headers[name] = operations[index + 2] as string | string[];
      else if (operation === addOperation) addHeader(headers, name, operations[index + 2] as string);
      else delete headers[name];
    }
  }
}

/** The response going to the client, during headerFilter (mutable) and afterwards (read-only). */
export class ResponseHeadView implements MutableResponse {
  constructor(
    private readonly exchange: Exchange,
    private readonly writable: boolean,
  ) {}

  get status(): number {
    return this.exchange.status;
  }
  get source(): ResponseSource {
    return this.exchange.source;
  }
  get headers(): HeaderRecord {
    return this.exchange.responseHeaders;
  }
  header(name: string): string | undefined {
    return firstValue(this.exchange.responseHeaders[name.toLowerCase()]);
  }
  setStatus(status: number): void {
    this.#check("setStatus()");
    if (!Number.isInteger(status) || status < 100 || status > 599) throw sdkErrors.STATUS_INVALID("code must be a number between 100 and 599");
    this.exchange.status = status;
  }
  setHeader(name: string, value: HeaderValue): void {
    this.#check("setHeader()");
    assertHeaderValue(name, value);
    setHeader(this.exchange.responseHeaders, name, value);
  }
  addHeader(name: string, value: string): void {
    this.#check("addHeader()");
    assertHeaderValue(name, value);
    addHeader(this.exchange.responseHeaders, name, value);
  }
  removeHeader(name: string): void {
    this.#check("removeHeader()");
    removeHeader(this.exchange.responseHeaders, name);
  }
  #check(member: string): void {
    if (!this.writable) throw runtimeErrors.PHASE_NOT_ALLOWED(member, "bodyFilter or log");
  }
}

export function renderError(status: number, message: string | undefined, requestId: string, accept: string | undefined) {
  return renderErrorBody(message ?? defaultErrorMessage(status), requestId, accept);
}
