import type { IncomingHttpHeaders } from "node:http";
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders as Http2IncomingHeaders,
  type OutgoingHttpHeaders,
} from "node:http2";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";

/** One request for an HTTP/2 upstream: the subset of undici's dispatch options the exchange uses. */
export interface Http2DispatchOptions {
  readonly method: string;
  readonly path: string;
  /** Flat name/value pairs, names lower-cased (what undici's dispatch also takes). */
  readonly headers: readonly (string | string[])[];
  readonly body: Buffer | Readable | null;
  /** Milliseconds to wait for the response head. */
  readonly headersTimeout?: number;
  /** Milliseconds the response may stay silent between two reads. */
  readonly bodyTimeout?: number;
}

export interface Http2OriginOptions {
  /** Milliseconds to establish the connection (TCP and, for https, TLS). */
  readonly connectTimeout: number;
}

/** Errors carry undici's codes so that the exchange classifies them (502/504, retries) as it does undici's. */
function codedError(message: string, code: string, cause?: unknown): Error {
  const error = new Error(message, cause === undefined ? undefined : { cause }) as Error & { code: string };
  error.code = code;
  return error;
}

/** nghttp2 stream and session failures are resets from the exchange's point of view; socket errors keep their code. */
function upstreamError(error: Error): Error {
  const code = (error as { code?: string }).code ?? "";
  if (code.startsWith("ERR_HTTP2_")) return codedError(`upstream HTTP/2 failure: ${error.message}`, "ECONNRESET", error);
  return error;
}

/** Headers a trailers-only gRPC response carries that belong in trailers once the response has a head of its own. */
const grpcTrailerNames = ["grpc-status", "grpc-message", "grpc-status-details-bin"] as const;

function withoutPseudoHeaders(headers: Http2IncomingHeaders): IncomingHttpHeaders {
  const plain: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    plain[name] = headers[name] as string | string[] | undefined;
  }
  return plain;
}

/**
 * One call on an HTTP/2 session, and the controller the dispatch handler drives: the same contract as undici's
 * (onRequestStart, onResponseStart, onResponseData, onResponseEnd with trailers, onResponseError; pause, resume and
 * abort), so the exchange's phases, body filters and error mapping apply to HTTP/2 upstreams unchanged.
 */
class Http2Call implements Dispatcher.DispatchController {
  #done = false;
  #paused = false;
  #reason: Error | null = null;
  #trailers: IncomingHttpHeaders = {};
  #headersTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ClientHttp2Stream,
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly options: Http2DispatchOptions,
  ) {}

  get aborted(): boolean {
    return this.#reason !== null;
  }
  get paused(): boolean {
    return this.#paused;
  }
  get reason(): Error | null {
    return this.#reason;
  }

  pause(): void {
    this.#paused = true;
    this.stream.pause();
  }

  resume(): void {
    this.#paused = false;
    this.stream.resume();
  }

  abort(reason: Error): void {
    if (this.#done) return;
    this.#reason = reason;
    this.#fail(reason);
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  start(): void {
    const { stream, handler, options } = this;
    handler.onRequestStart?.(this, {});
    if (this.#done) return;
    const headersTimeout = options.headersTimeout ?? 0;
    if (headersTimeout > 0) {
      this.#headersTimer = setTimeout(() => this.#timeout(codedError("upstream response headers timed out", "UND_ERR_HEADERS_TIMEOUT")), headersTimeout);
      this.#headersTimer.unref();
    }
    stream.on("response", (headers, flags) => this.#onResponse(headers, flags));
    stream.on("data", (chunk: Buffer) => {
      if (!this.#done) handler.onResponseData?.(this, chunk);
    });
    stream.on("trailers", (trailers) => {
      Object.assign(this.#trailers, withoutPseudoHeaders(trailers));
    });
    stream.on("end", () => {
      if (this.#done) return;
      this.#settle();
      handler.onResponseEnd?.(this, this.#trailers);
    });
    stream.on("error", (error: Error) => this.#fail(upstreamError(error)));
    stream.on("close", () => {
      // A stream reset or a session torn down before the response ended.
      if (!this.#done) this.#fail(codedError(`upstream closed the HTTP/2 stream (code ${stream.rstCode})`, "ECONNRESET"));
    });
    this.#sendBody();
  }

  #sendBody(): void {
    const { stream, options } = this;
    const body = options.body;
    if (body === null) return;
    if (Buffer.isBuffer(body)) {
      stream.end(body);
      return;
    }
    body.pipe(stream);
    // A client that goes away mid-body cancels the upstream call rather than leaving it half-sent.
    body.once("aborted", () => this.abort(codedError("client aborted the request body", "ECONNRESET")));
  }

  #onResponse(headers: Http2IncomingHeaders, flags: number): void {
    if (this.#done) return;
    clearTimeout(this.#headersTimer);
    const bodyTimeout = this.options.bodyTimeout ?? 0;
    if (bodyTimeout > 0) this.stream.setTimeout(bodyTimeout, () => this.#timeout(codedError("upstream body timed out", "UND_ERR_BODY_TIMEOUT")));
    const status = Number(headers[":status"]);
    const plain = withoutPseudoHeaders(headers);
    if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
      // A trailers-only response: its status travels on as trailers after a head, which every gRPC client accepts
      // and which survives the exchange's headerFilter and the client side's own framing.
      for (const name of grpcTrailerNames) {
        if (plain[name] === undefined) continue;
        this.#trailers[name] = plain[name];
        delete plain[name];
      }
    }
    this.handler.onResponseStart?.(this, status, plain, "");
  }

  #timeout(error: Error): void {
    if (this.#done) return;
    this.#fail(error);
    if (!this.stream.destroyed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  #fail(error: Error): void {
    if (this.#done) return;
    this.#settle();
    this.handler.onResponseError?.(this, error);
  }

  #settle(): void {
    this.#done = true;
    clearTimeout(this.#headersTimer);
    this.stream.setTimeout(0);
  }
}

/**
 * The HTTP/2 connection to one upstream origin: h2c with prior knowledge for `http://`, TLS with ALPN h2 for
 * `https://`. Every call to the origin is a stream on one pooled session, replaced once it fails, closes or is told
 * to go away.
 */
export class Http2Origin {
  #session: ClientHttp2Session | undefined;
  readonly #scheme: string;

  constructor(
    readonly origin: string,
    private readonly options: Http2OriginOptions,
  ) {
    this.#scheme = origin.startsWith("https:") ? "https" : "http";
  }

  dispatch(options: Http2DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const session = this.#current();
    const headers: OutgoingHttpHeaders = {
      ":method": options.method,
      ":path": options.path,
      ":scheme": this.#scheme,
    };
    const source = options.headers;
    for (let index = 0; index < source.length; index += 2) {
      const name = source[index] as string;
      if (name.charCodeAt(0) === 58 /* ':' */) continue;
      if (name === "host") headers[":authority"] = source[index + 1];
      else headers[name] = source[index + 1];
    }
    // gRPC servers require it (and it is the one `te` value HTTP/2 allows); the exchange dropped the client's as hop-by-hop.
    headers.te = "trailers";
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: options.body === null });
    } catch (error) {
      this.#drop(session);
      const failed = upstreamError(error as Error);
      queueMicrotask(() => handler.onResponseError?.(abortedController, failed));
      return false;
    }
    new Http2Call(stream, handler, options).start();
    return true;
  }

  #current(): ClientHttp2Session {
    const existing = this.#session;
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const session = connect(this.origin, { settings: { enablePush: false } });
    this.#session = session;
    const timer = setTimeout(() => {
      session.destroy(codedError(`connecting to ${this.origin} timed out`, "UND_ERR_CONNECT_TIMEOUT"));
    }, this.options.connectTimeout);
    timer.unref();
    session.once("connect", () => clearTimeout(timer));
    session.once("close", () => {
      clearTimeout(timer);
      this.#drop(session);
    });
    // Its streams get the error too; the session itself only has to leave the pool.
    session.on("error", () => this.#drop(session));
    session.once("goaway", () => this.#drop(session));
    return session;
  }

  #drop(session: ClientHttp2Session): void {
    if (this.#session === session) this.#session = undefined;
  }

  /** Lets open streams finish, then closes the session (destroyed after `timeout` ms). */
  close(timeout = 2_000): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    if (session === undefined || session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => session.destroy(), timeout);
      timer.unref();
      session.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A controller for a call that never started: nothing to pause or abort. */
const abortedController: Dispatcher.DispatchController = {
  aborted: true,
  paused: false,
  reason: null,
  abort() {},
  pause() {},
  resume() {},
};

/** One HTTP/2 session per upstream origin (and connect timeout), shared by every config snapshot. */
export class Http2Upstreams {
  readonly #origins = new Map<string, Http2Origin>();

  get(origin: string, options: Http2OriginOptions): Http2Origin {
    const key = `${origin}\u0000${options.connectTimeout}`;
    let upstream = this.#origins.get(key);
    if (upstream === undefined) {
      upstream = new Http2Origin(origin, options);
      this.#origins.set(key, upstream);
    }
    return upstream;
  }

  /** Closes sessions whose origin is no longer used by the live config. */
  async retain(origins: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, upstream] of this.#origins) {
      if (origins.has(upstream.origin)) continue;
      this.#origins.delete(key);
      closing.push(upstream.close());
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const upstreams = [...this.#origins.values()];
    this.#origins.clear();
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  }
}
