import { Readable } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import portcullis from "../src/fastify.js";
import { createGateway, type Gateway } from "../src/index.js";
import {
  appOrigin,
  bigStreamChunks,
  embeddingConfig,
  maskDate,
  mintToken,
  rawExchange,
  rawGet,
  stalledRead,
  streamChunk,
  streamChunks,
  testPlugins,
} from "./embedding-support.js";
import { send } from "./support.js";

const reached: string[] = [];
const produced = { chunks: 0 };

/** A readable that makes the test stream on demand, so how far it runs ahead of the client shows backpressure. */
function streamBody(count: number): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: streamChunk.length,
    read() {
      if (sent === count) return void this.push(null);
      sent++;
      produced.chunks++;
      this.push(Buffer.from(streamChunk));
    },
  });
}

/** The same app with and without the gateway, so untouched routes can be compared byte for byte. */
async function buildApp(gateway: Gateway | undefined): Promise<{ app: FastifyInstance; url: string; port: number }> {
  const app = Fastify();
  if (gateway !== undefined) await app.register(portcullis, { gateway });
  app.get("/orders", async (request) => {
    reached.push(request.url);
    return { consumer: request.headers["x-consumer-username"] ?? null, credential: request.headers["x-credential-identifier"] ?? null };
  });
  app.get("/orders/explode", async () => {
    throw new Error("the app's own failure");
  });
  app.get("/orders/header", (_request, reply) => {
    reply.header("x-app", "set").header("content-type", "application/json; charset=utf-8").send({ serialized: true });
  });
  app.get("/public", (_request, reply) => {
    reply.header("x-app", "yes").type("text/plain").send("hello from the app");
  });
  app.get("/stream", (request, reply) => {
    reached.push(request.url);
    reply.type("text/plain").send(streamBody(streamChunks));
  });
  app.get("/stream/big", (_request, reply) => {
    reply.type("text/plain").send(streamBody(bigStreamChunks));
  });
  app.get("/broken/:phase", (request, reply) => {
    reached.push(request.url);
    reply.send("the app answered");
  });
  app.setErrorHandler((_error, _request, reply) => {
    reply.code(500).send({ handledBy: "host" });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ notFound: request.url });
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const port = (app.server.address() as { port: number }).port;
  return { app, url: `http://127.0.0.1:${port}`, port };
}

describe("Fastify 5 embedding: app.register(portcullis, { gateway })", () => {
  const { plugins, logs, filtered } = testPlugins();
  let gateway: Gateway;
  let embedded: Awaited<ReturnType<typeof buildApp>>;
  let bare: Awaited<ReturnType<typeof buildApp>>;
  let token: string;

  beforeAll(async () => {
    gateway = await createGateway({ config: embeddingConfig(), plugins, logger: false, accessLog: false });
    embedded = await buildApp(gateway);
    bare = await buildApp(undefined);
    token = await mintToken();
  });

  afterAll(async () => {
    await embedded.app.close();
    await bare.app.close();
    await gateway.close({ timeout: 2_000 });
  });

  it("rejects in onRequest before the route handler runs, through headerFilter", async () => {
    reached.length = 0;
    const response = await send(`${embedded.url}/orders`, { headers: { origin: appOrigin } });
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ message: "Unauthorized" });
    expect(response.headers["www-authenticate"]).toBe("Bearer");
    expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
    expect(Number(response.headers["content-length"])).toBe(response.body.length);
    expect(reached).toEqual([]);
  });

  it("hands consumer headers to an async handler and keeps Fastify's serialisation and reply.header", async () => {
    reached.length = 0;
    const response = await send(`${embedded.url}/orders`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ consumer: "alice", credential: "alice-issuer" });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
    expect(response.headers["x-ratelimit-remaining-minute"]).toBeDefined();
    expect(reached).toEqual(["/orders"]);
    const withHeader = await send(`${embedded.url}/orders/header`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(withHeader.json()).toEqual({ serialized: true });
    expect(withHeader.headers["x-app"]).toBe("set");
    expect(withHeader.headers["access-control-allow-origin"]).toBe(appOrigin);
  });

  it("keeps the host's error handler and 404 handler, with the gateway's headers on both", async () => {
    const failed = await send(`${embedded.url}/orders/explode`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(failed.status).toBe(500);
    expect(failed.json()).toEqual({ handledBy: "host" });
    expect(failed.headers["access-control-allow-origin"]).toBe(appOrigin);
    const missing = await send(`${embedded.url}/orders/none`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ notFound: "/orders/none" });
    expect(missing.headers["access-control-allow-origin"]).toBe(appOrigin);
  });

  it("runs log in onResponse with the status, consumer and timings", async () => {
    logs.length = 0;
    await send(`${embedded.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    await send(`${embedded.url}/orders`);
    await expect.poll(() => logs.length, { timeout: 2_000 }).toBe(2);
    const [allowed, rejected] = logs;
    expect(allowed).toMatchObject({ path: "/orders", status: 200, source: "upstream", consumer: "alice" });
    expect(rejected).toMatchObject({ path: "/orders", status: 401, source: "exit", consumer: undefined });
    for (const record of [allowed!, rejected!]) expect(record.timings.total).toBeGreaterThanOrEqual(record.timings.access);
    expect(allowed!.timings.upstream).toBeGreaterThanOrEqual(0);
    expect(allowed!.timings.upstream).toBeLessThanOrEqual(allowed!.timings.total);
    expect(rejected!.timings.upstream).toBeUndefined();
  });

  it("filters a streamed reply chunk by chunk", async () => {
    filtered.chunks = 0;
    produced.chunks = 0;
    const response = await send(`${embedded.url}/stream`);
    expect(response.status).toBe(200);
    expect(response.headers["x-filtered"]).toBe("upper-case");
    expect(response.headers["content-length"]).toBeUndefined();
    expect(response.text()).toBe(streamChunk.toString("latin1").toUpperCase().repeat(streamChunks));
    expect(produced.chunks).toBe(streamChunks);
    expect(filtered.chunks).toBeGreaterThan(1);
  });

  it("stops the reply stream while the client is not reading (backpressure through the body filter)", async () => {
    produced.chunks = 0;
    const read = await stalledRead(embedded.port, "/stream/big", () => produced.chunks);
    const [early, late] = read.whilePaused;
    expect(late).toBe(early);
    expect(late).toBeLessThan(bigStreamChunks / 2);
    expect(produced.chunks).toBe(bigStreamChunks);
    expect(read.bytes).toBeGreaterThan(bigStreamChunks * streamChunk.length);
    expect(read.tail).toMatch(/ABCDEFGH\r\n0\r\n\r\n$/);
  });

  it("answers a clean 500 without the stack when a plugin fails", async () => {
    reached.length = 0;
    const inAccess = await send(`${embedded.url}/broken/access`);
    expect(inAccess.status).toBe(500);
    expect(inAccess.json()).toMatchObject({ message: "An unexpected error occurred" });
    expect(reached).toEqual([]);
    const inHeaderFilter = await send(`${embedded.url}/broken/head`);
    expect(inHeaderFilter.status).toBe(500);
    expect(inHeaderFilter.json()).toMatchObject({ message: "An unexpected error occurred" });
    expect(inHeaderFilter.text()).not.toMatch(/secret internal detail|the app answered/);
    expect((await send(`${embedded.url}/public`)).status).toBe(200);
  });

  it("leaves a request no route selects byte-identical to the bare app", async () => {
    for (const path of ["/public", "/missing", "/public?x=1"]) {
      const [withGateway, without] = await Promise.all([rawExchange(embedded.port, rawGet(path)), rawExchange(bare.port, rawGet(path))]);
      expect(maskDate(withGateway)).toBe(maskDate(without));
    }
  });

  it("rate limits through the plugin: the 429 answers without the handler", async () => {
    const limited = await createGateway({ config: embeddingConfig({ minute: 2, ordersRoute: "orders-limited" }), plugins, logger: false, accessLog: false });
    const app = await buildApp(limited);
    try {
      reached.length = 0;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await send(`${app.url}/orders`, { headers: { authorization: `Bearer ${token}` } })).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(reached).toEqual(["/orders", "/orders"]);
    } finally {
      await app.app.close();
      await limited.close({ timeout: 2_000 });
    }
  });
});

describe("Fastify 5 embedding: config shapes, reload and close", () => {
  it("applies a plugins-only config to every request, 404s included", async () => {
    const gateway = await createGateway({
      config: { _format_version: "3.0", plugins: [{ name: "cors", config: { origins: [appOrigin] } }] },
      logger: false,
      accessLog: false,
    });
    const { app, url } = await buildApp(gateway);
    try {
      for (const path of ["/public", "/nowhere"]) {
        const response = await send(`${url}${path}`, { headers: { origin: appOrigin } });
        expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
      }
    } finally {
      await app.close();
      await gateway.close({ timeout: 2_000 });
    }
  });

  it("swaps plugins on reload(newConfig), and after close() a protected route never reaches the app", async () => {
    const gateway = await createGateway({ config: embeddingConfig(), plugins: testPlugins().plugins, logger: false, accessLog: false });
    const { app, url } = await buildApp(gateway);
    try {
      expect((await send(`${url}/orders`)).status).toBe(401);
      await gateway.reload({ _format_version: "3.0", routes: [{ name: "open", paths: ["/public"], plugins: [{ name: "cors", config: { origins: [appOrigin] } }] }] });
      expect((await send(`${url}/orders`)).status).toBe(200);
      expect((await send(`${url}/public`, { headers: { origin: appOrigin } })).headers["access-control-allow-origin"]).toBe(appOrigin);
      await gateway.reload(embeddingConfig());
      await gateway.close({ timeout: 2_000 });
      reached.length = 0;
      expect((await send(`${url}/orders`)).status).toBeGreaterThanOrEqual(400);
      expect(reached).toEqual([]);
    } finally {
      await app.close();
      await gateway.close({ timeout: 2_000 });
    }
  });
});
