import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import type { Exchange, ResponseWriter } from "./exchange.js";
import type { Gateway } from "./gateway.js";
import { applyToIncoming } from "./middleware.js";
import { renderError } from "./plugin-context.js";

export interface PortcullisFastifyOptions {
  readonly gateway: Gateway;
}

const exchangeKey = Symbol.for("portcullis.exchange");
type WithExchange = FastifyRequest & { [exchangeKey]?: Exchange };

function headersOf(reply: FastifyReply): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return headers;
}

function applyHead(exchange: Exchange, reply: FastifyReply, before: Record<string, string | string[]>): void {
  reply.code(exchange.status);
  const after = exchange.responseHeaders;
  for (const name of Object.keys(before)) if (after[name] === undefined) reply.removeHeader(name);
  for (const [name, value] of Object.entries(after)) if (value !== undefined && value !== before[name]) reply.header(name, value);
}

/**
 * Receives an access exit after the exchange ran headerFilter and bodyFilter over it, and sends it with
 * `reply.send`, so the host's own onSend hooks and logging still see it.
 */
function exitWriter(reply: FastifyReply): ResponseWriter {
  let status = 200;
  let headers: Record<string, string | string[]> = {};
  const chunks: Buffer[] = [];
  return {
    writeHead(statusCode, head) {
      status = statusCode;
      headers = head;
    },
    write(chunk) {
      chunks.push(chunk);
      return true;
    },
    end(chunk) {
      if (chunk !== undefined) chunks.push(chunk);
      reply.code(status);
      // Fastify computes the length of what it sends.
      for (const [name, value] of Object.entries(headers)) if (name !== "content-length") reply.header(name, value);
      reply.send(Buffer.concat(chunks));
    },
  };
}

function filterStream(exchange: Exchange, source: Readable): Readable {
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      exchange.filterChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), false).then(
        (output) => (output === undefined ? callback(new Error("a bodyFilter failed")) : callback(null, output)),
        callback,
      );
    },
    flush(callback) {
      exchange.filterChunk(Buffer.alloc(0), true).then(
        (output) => (output === undefined ? callback(new Error("a bodyFilter failed")) : callback(null, output)),
        callback,
      );
    },
  });
  source.on("error", (error) => transform.destroy(error));
  // The response head is out by the time a chunk fails, so the only honest answer is to cut the connection.
  transform.on("error", () => source.destroy());
  return source.pipe(transform);
}

function payloadBuffer(payload: unknown): Buffer {
  if (payload === null || payload === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(payload)) return payload;
  if (ArrayBuffer.isView(payload)) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return Buffer.from(String(payload));
}

/** Replaces the reply with the runtime's clean 500 (no stack, no app bytes), as the proxy does. */
function replaceWithError(exchange: Exchange, reply: FastifyReply, payload: unknown): Buffer {
  if (payload instanceof Readable) payload.destroy();
  const rendered = renderError(500, undefined, exchange.requestId, exchange.clientRequest.header("accept"));
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  reply.code(500).header("content-type", rendered.contentType);
  return Buffer.from(rendered.body);
}

async function filterPayload(exchange: Exchange, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (!exchange.hasBodyFilters) return payload;
  reply.removeHeader("content-length");
  if (payload instanceof Readable) return filterStream(exchange, payload);
  if (typeof ReadableStream !== "undefined" && payload instanceof ReadableStream) return filterStream(exchange, Readable.fromWeb(payload as WebReadableStream));
  const first = await exchange.filterChunk(payloadBuffer(payload), false);
  const last = first === undefined ? undefined : await exchange.filterChunk(Buffer.alloc(0), true);
  if (first === undefined || last === undefined) return replaceWithError(exchange, reply, payload);
  return Buffer.concat([first, last]);
}

/**
 * The Fastify plugin: access runs in `onRequest` (an exit is sent with `reply.send`, so the route handler never
 * runs), headerFilter and bodyFilter in `onSend` (so Fastify's serialisation and reply features stay intact), and
 * log in `onResponse`. Register it at the root: `app.register(portcullis, { gateway })`.
 */
const plugin: FastifyPluginCallback<PortcullisFastifyOptions> = (fastify: FastifyInstance, options, done) => {
  const { gateway } = options;
  fastify.addHook("onRequest", (request: WithExchange, reply, next) => {
    const exchange = gateway.embed(request.raw, reply.raw, {
      closeListener: false,
      writer: exitWriter(reply),
      proceed(started) {
        // Access may finish synchronously, inside embed(): the route's onSend must already find the exchange.
        request[exchangeKey] = started;
        applyToIncoming(started, request.raw);
        next();
      },
    });
    if (exchange === undefined) return next();
    request[exchangeKey] = exchange;
  });
  fastify.addHook("onSend", (request: WithExchange, reply, payload, next) => {
    const exchange = request[exchangeKey];
    // An exit was filtered by the exchange itself before exitWriter sent it.
    if (exchange === undefined || exchange.exited) return next(null, payload);
    const before = headersOf(reply);
    const finish = () => {
      if (exchange.source === "error") {
        // headerFilter failed: the app's response must not go out half-filtered.
        next(null, replaceWithError(exchange, reply, payload));
        return;
      }
      applyHead(exchange, reply, before);
      filterPayload(exchange, reply, payload).then(
        (filtered) => next(null, filtered),
        (error: unknown) => next(error as Error),
      );
    };
    const pending = exchange.filterHead(reply.statusCode, { ...before }, "upstream");
    if (pending === undefined) finish();
    else pending.then(finish, (error: unknown) => next(error as Error));
  });
  fastify.addHook("onResponse", (request: WithExchange, _reply, next) => {
    request[exchangeKey]?.finish();
    next();
  });
  fastify.addHook("onRequestAbort", (request: WithExchange, next) => {
    request[exchangeKey]?.finish();
    next();
  });
  done();
};

// Like fastify-plugin: hooks apply to the whole app, not an encapsulated child context.
Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "@portcullis/runtime",
  [Symbol.for("plugin-meta")]: { name: "@portcullis/runtime", fastify: "5.x" },
});

export const portcullis = plugin;
export default plugin;
