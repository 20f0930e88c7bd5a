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

/**
 * Stands in for undici's controller when the host app is the upstream: `pause` makes the app's `write` return
 * false, and `resume` emits the `drain` the app then waits for.
 */
class LocalController implements Dispatcher.DispatchController {
  paused = false;
  aborted = false;
  reason: Error | null = null;
  #owesDrain = false;

  constructor(private readonly response: ServerResponse) {}

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
  /** The value the app's write() returns. */
  writeResult(): boolean {
    if (this.paused) this.#owesDrain = true;
    return !this.paused;
  }
}

function lowerCaseHeaders(headers: OutgoingHttpHeaders | readonly unknown[] | undefined, into: Record<string, string | string[]>): void {
  if (headers === undefined || headers === null) return;
  if (Array.isArray(headers)) {
    for (let index = 0; index + 1 < headers.length; index += 2) into[String(headers[index]).toLowerCase()] = String(headers[index + 1]);
    return;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    into[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
}

type WriteCallback = (error?: Error | null) => void;

/**
 * Routes the app's writeHead/write/end through the exchange (headerFilter, bodyFilter), which writes with the
 * original methods. Nothing is patched for requests the gateway does not handle.
 */
export function interceptResponse(exchange: Exchange, response: ServerResponse): void {
  const controller = new LocalController(response);
  let headStarted = false;
  const startHead = (statusCode: number, reason?: unknown, headers?: unknown) => {
    if (headStarted) return;
    headStarted = true;
    const merged: Record<string, string | string[]> = {};
    lowerCaseHeaders(response.getHeaders(), merged);
    lowerCaseHeaders((typeof reason === "object" ? reason : headers) as OutgoingHttpHeaders | undefined, merged);
    for (const name of response.getHeaderNames()) response.removeHeader(name);
    if (typeof reason === "string") response.statusMessage = reason;
    exchange.onResponseStart(controller, statusCode, merged);
  };
  const toBuffer = (chunk: unknown, encoding: unknown): Buffer =>
    typeof chunk === "string" ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8") : Buffer.from(chunk as Uint8Array);

  response.writeHead = function writeHead(this: ServerResponse, statusCode: number, reason?: unknown, headers?: unknown) {
    startHead(statusCode, reason, headers);
    return this;
  } as ServerResponse["writeHead"];

  response.write = function write(this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown) {
    if (!headStarted) startHead(this.statusCode);
    const done = (typeof encoding === "function" ? encoding : callback) as WriteCallback | undefined;
    if (chunk !== undefined && chunk !== null && (chunk as { length: number }).length > 0) exchange.onResponseData(controller, toBuffer(chunk, encoding));
    if (done !== undefined) process.nextTick(done);
    return controller.writeResult();
  } as ServerResponse["write"];

  response.end = function end(this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) {
    let body = chunk;
    let done = (typeof encoding === "function" ? encoding : callback) as WriteCallback | undefined;
    if (typeof body === "function") {
      done = body as WriteCallback;
      body = undefined;
    }
    const hasBody = body !== undefined && body !== null && (body as { length: number }).length > 0;
    if (!headStarted) {
      // As Node would for an implicit head: an end() with the whole body knows its length.
      if (hasBody && !this.hasHeader("content-length") && !exchange.hasBodyFilters) this.setHeader("content-length", toBuffer(body, encoding).length);
      else if (!hasBody && !this.hasHeader("content-length") && !this.hasHeader("transfer-encoding")) this.setHeader("content-length", 0);
      startHead(this.statusCode);
    }
    if (hasBody) exchange.onResponseData(controller, toBuffer(body, encoding));
    exchange.onResponseEnd(controller);
    if (done !== undefined) this.once("finish", () => done?.());
    return this;
  } as ServerResponse["end"];
}

type Loose = (this: ServerResponse, ...args: unknown[]) => unknown;

function originalWriter(response: ServerResponse): ResponseWriter {
  const writeHead = response.writeHead as unknown as Loose;
  const write = response.write as unknown as Loose;
  const end = response.end as unknown as Loose;
  return {
    writeHead: (status, headers) => writeHead.call(response, status, headers),
    write: (chunk) => write.call(response, chunk) as boolean,
    end: (chunk) => (chunk === undefined ? end.call(response) : end.call(response, chunk)),
  };
}

export function createMiddleware(
  embed: (request: IncomingMessage, response: ServerResponse, options: EmbedOptions) => Exchange | undefined,
): ConnectMiddleware {
  return (request, response, next) => {
    let exchange: Exchange | undefined;
    const writer = originalWriter(response);
    try {
      exchange = embed(request, response, {
        writer,
        proceed(started) {
          applyToIncoming(started, request);
          interceptResponse(started, response);
          next();
        },
      });
    } catch (error) {
      // A gateway bug must not take the host down: let the app's own error handling answer.
      next(error);
      return;
    }
    if (exchange === undefined) next();
  };
}
