import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { Exchange, ResponseWriter } from "./exchange.js";
import type { ConnectMiddleware, EmbedOptions } from "./gateway.js";

/** Applies access's changes to the upstream request onto the host app's request object. */
export function applyToIncoming(exchange: Exchange, request: IncomingMessage): void {
  const overrides = exchange.headerOverrides;
  if (overrides !== undefined) {
    for (const [name, value] of overrides) {
      if (value === null) delete request.headers[name];
      else request.headers[name] = value as string | string[];
    }
  }
  if (exchange.pathOverride !== undefined || exchange.queryOverride !== undefined) {
    const path = exchange.pathOverride ?? exchange.clientRequest.rawPath;
    const query = exchange.queryOverride ?? exchange.rawQuery;
    request.url = query === "" ? path : `${path}?${query}`;
  }
}

type WriteCallback = (error?: Error | null) => void;
type Loose = (this: ServerResponse, ...args: unknown[]) => unknown;

const embeddedState = Symbol("portcullis.embedded");
type EmbeddedServerResponse = ServerResponse & { [embeddedState]?: EmbeddedResponse };

function headerValue(value: number | string | readonly string[]): string | string[] {
  return typeof value === "string" ? value : Array.isArray(value) ? value.map(String) : String(value);
}

/** Adds writeHead's own headers argument, which overrides the response's (object form) or adds lines (list form). */
function mergeHeaderArgument(headers: OutgoingHttpHeaders | readonly unknown[], into: Record<string, string | string[]>): void {
  if (Array.isArray(headers)) {
    // Node's list form: a name given here replaces the response's, and repeated names (Set-Cookie) all go out.
    for (let index = 0; index + 1 < headers.length; index += 2) delete into[String(headers[index]).toLowerCase()];
    for (let index = 0; index + 1 < headers.length; index += 2) {
      const name = String(headers[index]).toLowerCase();
      const value = String(headers[index + 1]);
      const existing = into[name];
      into[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
    return;
  }
  const record = headers as OutgoingHttpHeaders;
  for (const name in record) {
    const value = record[name];
    if (value !== undefined) into[name.toLowerCase()] = headerValue(value);
  }
}

/** The encoding node's write/end would use for a string chunk. */
function textEncoding(encoding: unknown): BufferEncoding {
  return typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8";
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  return typeof chunk === "string" ? Buffer.from(chunk, textEncoding(encoding)) : Buffer.from(chunk as Uint8Array);
}

function byteLength(chunk: unknown, encoding: unknown): number {
  return typeof chunk === "string" ? Buffer.byteLength(chunk, textEncoding(encoding)) : (chunk as Uint8Array).byteLength;
}

function hasLength(chunk: unknown): boolean {
  return chunk !== undefined && chunk !== null && (chunk as { length: number }).length > 0;
}

/**
 * One embedded response: the writer the exchange sends through (the app's original writeHead/write/end), and the
 * stand-in for undici's controller when the host app is the upstream: `pause` makes the app's `write` return false,
 * and `resume` emits the `drain` the app then waits for. One object per request; the patched methods below are
 * shared by every response and find it on the response.
 */
class EmbeddedResponse implements Dispatcher.DispatchController, ResponseWriter, EmbedOptions {
  paused = false;
  aborted = false;
  reason: Error | null = null;
  /** Set once the app started its response head (writeHead, or an implicit one from write/end). */
  headStarted = false;
  exchange: Exchange | undefined;
  #owesDrain = false;
  readonly #writeHead: Loose;
  readonly #write: Loose;
  readonly #end: Loose;

  constructor(
    readonly request: IncomingMessage,
    readonly response: ServerResponse,
    readonly next: (error?: unknown) => void,
  ) {
    // Captured now: an earlier middleware (compression, say) may have replaced them, and they must stay in the chain.
    this.#writeHead = response.writeHead as unknown as Loose;
    this.#write = response.write as unknown as Loose;
    this.#end = response.end as unknown as Loose;
  }

  // --- the embedding options, for the gateway ---------------------------------------------------------------

  get writer(): ResponseWriter {
    return this;
  }
  /** Access let the request through: hand it to the app, with the response routed through the exchange. */
  proceed(exchange: Exchange): void {
    applyToIncoming(exchange, this.request);
    interceptResponse(this, exchange);
    this.next();
  }

  // --- undici's controller, for the exchange ---------------------------------------------------------------

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.#owesDrain) {
      this.#owesDrain = false;
      this.response.emit("drain");
    }
  }
  abort(reason: Error): void {
    this.aborted = true;
    this.reason = reason;
  }
  /** The value the app's write() returns on the filtered path. */
  writeResult(): boolean {
    if (this.paused) this.#owesDrain = true;
    return !this.paused;
  }

  // --- the writer, for the exchange --------------------------------------------------------------------------

  writeHead(status: number, headers: Record<string, string | string[]>): unknown {
    if (!this.headStarted) return this.#writeHead.call(this.response, status, headers);
    // The app's headers are still on the response: change only what the filters changed, instead of removing
    // every header and validating it again.
    const response = this.response;
    for (const name of response.getHeaderNames()) if (headers[name] === undefined) response.removeHeader(name);
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && response.getHeader(name) !== value) response.setHeader(name, value);
    }
    return this.#writeHead.call(response, status);
  }
  write(chunk: Buffer): boolean {
    return this.#write.call(this.response, chunk) as boolean;
  }
  end(chunk?: Buffer): unknown {
    return chunk === undefined ? this.#end.call(this.response) : this.#end.call(this.response, chunk);
  }

  // --- the app's side ----------------------------------------------------------------------------------------

  /** Hands the app's status and headers (those on the response, then writeHead's own) to headerFilter. */
  startHead(statusCode: number, reason?: unknown, headers?: unknown): void {
    if (this.headStarted) return;
    this.headStarted = true;
    const response = this.response;
    const merged: Record<string, string | string[]> = {};
    for (const name of response.getHeaderNames()) {
      const value = response.getHeader(name);
      if (value !== undefined) merged[name] = headerValue(value);
    }
    const argument = typeof reason === "object" ? reason : headers;
    if (argument !== undefined && argument !== null) mergeHeaderArgument(argument as OutgoingHttpHeaders, merged);
    if (typeof reason === "string") response.statusMessage = reason;
    this.exchange!.onResponseStart(this, statusCode, merged);
  }

  appWrite(chunk: unknown, encoding: unknown, callback: unknown): boolean {
    if (!this.headStarted) this.startHead(this.response.statusCode);
    const exchange = this.exchange!;
    // With the head out and no body filter, the app's bytes go straight to the client: no copy, node's own callbacks.
    if (exchange.streamsDirectly) return this.#write.call(this.response, chunk, encoding, callback) as boolean;
    const done = (typeof encoding === "function" ? encoding : callback) as WriteCallback | undefined;
    if (hasLength(chunk)) exchange.onResponseData(this, toBuffer(chunk, encoding));
    if (done !== undefined) process.nextTick(done);
    return this.writeResult();
  }

  appEnd(chunk: unknown, encoding: unknown, callback: unknown): void {
    let body = chunk;
    let bodyEncoding = encoding;
    let done = callback as WriteCallback | undefined;
    if (typeof body === "function") {
      done = body as WriteCallback;
      body = undefined;
      bodyEncoding = undefined;
    } else if (typeof bodyEncoding === "function") {
      done = bodyEncoding as WriteCallback;
      bodyEncoding = undefined;
    }
    const response = this.response;
    const hasBody = hasLength(body);
    const exchange = this.exchange!;
    if (!this.headStarted) {
      // As Node would for an implicit head: an end() with the whole body knows its length.
      if (hasBody && !response.hasHeader("content-length") && !exchange.hasBodyFilters) response.setHeader("content-length", byteLength(body, bodyEncoding));
      else if (!hasBody && !response.hasHeader("content-length") && !response.hasHeader("transfer-encoding")) response.setHeader("content-length", 0);
      this.startHead(response.statusCode);
    }
    if (exchange.streamsDirectly) {
      this.#end.call(response, hasBody ? body : undefined, bodyEncoding, done);
      return;
    }
    if (hasBody) exchange.onResponseData(this, toBuffer(body, bodyEncoding));
    exchange.onResponseEnd(this);
    if (done !== undefined) response.once("finish", () => done?.());
  }
}

function embeddedWriteHead(this: EmbeddedServerResponse, statusCode: number, reason?: unknown, headers?: unknown): ServerResponse {
  this[embeddedState]!.startHead(statusCode, reason, headers);
  return this;
}

function embeddedWrite(this: EmbeddedServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  return this[embeddedState]!.appWrite(chunk, encoding, callback);
}

function embeddedEnd(this: EmbeddedServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
  this[embeddedState]!.appEnd(chunk, encoding, callback);
  return this;
}

/**
 * Routes the app's writeHead/write/end through the exchange (headerFilter, bodyFilter); a `write` or `end` before
 * any `writeHead` starts the head itself, as node's implicit head would. Nothing is patched for requests the gateway
 * does not handle.
 */
function interceptResponse(state: EmbeddedResponse, exchange: Exchange): void {
  const response = state.response as EmbeddedServerResponse;
  state.exchange = exchange;
  response[embeddedState] = state;
  response.writeHead = embeddedWriteHead as ServerResponse["writeHead"];
  response.write = embeddedWrite as ServerResponse["write"];
  response.end = embeddedEnd as ServerResponse["end"];
}

export function createMiddleware(
  embed: (request: IncomingMessage, response: ServerResponse, options: EmbedOptions) => Exchange | undefined,
): ConnectMiddleware {
  return (request, response, next) => {
    let exchange: Exchange | undefined;
    try {
      exchange = embed(request, response, new EmbeddedResponse(request, response, next));
    } catch (error) {
      // A gateway bug must not take the host down: let the app's own error handling answer.
      next(error);
      return;
    }
    if (exchange === undefined) next();
  };
}
