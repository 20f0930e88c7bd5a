import { Readable, Transform } from "node:stream";
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import type { Exchange } from "./exchange.js";
import type { Gateway } from "./gateway.js";
import { applyToIncoming } from "./middleware.js";

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
  return source.pipe(transform);
}

async function filterPayload(exchange: Exchange, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (!exchange.hasBodyFilters) return payload;
  reply.removeHeader("content-length");
  if (payload instanceof Readable) return filterStream(exchange, payload);
  const input = payload === null || payload === undefined ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload));
  const first = await exchange.filterChunk(input, false);
  const last = first === undefined ? undefined : await exchange.filterChunk(Buffer.alloc(0), true);
  if (first === undefined || last === undefined) throw new Error("a bodyFilter failed");
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
    let proceeded = false;
    const exchange = gateway.embed(request.raw, reply.raw, {
      closeListener: false,
      proceed(started) {
        proceeded = true;
        applyToIncoming(started, request.raw);
        next();
      },
    });
    if (exchange === undefined) return next();
    request[exchangeKey] = exchange;
    exchange.onExit = (exited) => {
      const exit = exited.exitResponse!;
      reply.code(exit.status);
      for (const [name, value] of Object.entries(exit.headers)) {
        if (value !== undefined && name !== "content-length") reply.header(name, value);
      }
      reply.send(exit.body);
    };
    void proceeded;
  });
  fastify.addHook("onSend", (request: WithExchange, reply, payload, next) => {
    const exchange = request[exchangeKey];
    if (exchange === undefined) return next(null, payload);
    const before = headersOf(reply);
    const source = exchange.exitResponse?.source ?? "upstream";
    const finish = () => {
      applyHead(exchange, reply, before);
      filterPayload(exchange, reply, payload).then(
        (filtered) => next(null, filtered),
        (error: unknown) => next(error as Error),
      );
    };
    const pending = exchange.filterHead(reply.statusCode, { ...before }, source);
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
