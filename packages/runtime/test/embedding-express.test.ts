import type { Server } from "node:http";
import { createServer } from "node:http";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from "express";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
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
  writeStream,
} from "./embedding-support.js";
import { closeServer, listenOnLoopback, send } from "./support.js";

interface Running {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
}

const reached: string[] = [];
const progress = { written: 0, waits: 0 };

/** The same app with and without the gateway, so untouched routes can be compared byte for byte. */
function buildApp(gateway: Gateway | undefined): Express {
  const app = express();
  // The typing contract: the middleware is an Express handler with no cast.
  if (gateway !== undefined) app.use(gateway.middleware());
  app.get("/orders", (request: Request, response: Response) => {
    reached.push(request.path);
    response.json({ consumer: request.headers["x-consumer-username"] ?? null, credential: request.headers["x-credential-identifier"] ?? null });
  });
  app.get("/orders/explode", () => {
    throw new Error("the app's own failure");
  });
  app.get("/public", (_request, response) => {
    response.set("x-app", "yes").type("text/plain").send("hello from the app");
  });
  app.get("/stream", (request, response) => {
    reached.push(request.path);
    response.setHeader("content-type", "text/plain");
    writeStream(response, streamChunks, progress);
  });
  app.get("/stream/big", (_request, response) => {
    response.setHeader("content-type", "text/plain");
    writeStream(response, bigStreamChunks, progress);
  });
  app.get("/broken/:phase", (request, response) => {
    reached.push(request.path);
    response.send("the app answered");
  });
  const onError: ErrorRequestHandler = (_error, _request, response, _next) => {
    response.status(500).json({ handledBy: "host" });
  };
  app.use(onError);
  return app;
}

async function listen(app: Express): Promise<Running> {
  const server = createServer(app);
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, port, server };
}

describe("Express 5 embedding: gateway.middleware()", () => {
  const { plugins, logs, filtered } = testPlugins();
  let gateway: Gateway;
  let embedded: Running;
  let bare: Running;
  let token: string;

  beforeAll(async () => {
    gateway = await createGateway({ config: embeddingConfig(), plugins, logger: false, accessLog: false });
    embedded = await listen(buildApp(gateway));
    bare = await listen(buildApp(undefined));
    token = await mintToken();
  });

  afterAll(async () => {
    await closeServer(embedded.server);
    await closeServer(bare.server);
    await gateway.close({ timeout: 2_000 });
  });

  it("types: app.use(gateway.middleware()) takes an Express RequestHandler", () => {
    expectTypeOf(gateway.middleware()).toExtend<RequestHandler>();
  });

  it("rejects before the app handler runs when access answers", async () => {
    reached.length = 0;
    const response = await send(`${embedded.url}/orders`, { headers: { origin: appOrigin } });
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ message: "Unauthorized" });
    expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
    expect(reached).toEqual([]);
  });

  it("hands the consumer headers set in access to the app on req.headers, and adds CORS to the app's response", async () => {
    reached.length = 0;
    const response = await send(`${embedded.url}/orders`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ consumer: "alice", credential: "alice-issuer" });
    expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
    expect(response.headers["x-ratelimit-remaining-minute"]).toBeDefined();
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    expect(Number(response.headers["content-length"])).toBe(response.body.length);
    expect(reached).toEqual(["/orders"]);
  });

  it("runs log after the response with its status, consumer and timings", async () => {
    logs.length = 0;
    await send(`${embedded.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
    await send(`${embedded.url}/orders`);
    await expect.poll(() => logs.length, { timeout: 2_000 }).toBe(2);
    const [allowed, rejected] = logs;
    expect(allowed).toMatchObject({ path: "/orders", status: 200, source: "upstream", consumer: "alice" });
    expect(rejected).toMatchObject({ path: "/orders", status: 401, source: "exit", consumer: undefined });
    for (const record of [allowed!, rejected!]) {
      expect(record.timings.total).toBeGreaterThanOrEqual(record.timings.access);
      expect(record.timings.startedAt).toBeLessThanOrEqual(Date.now());
    }
    // The app is the upstream: its time is measured from handing it the request to its response head.
    expect(allowed!.timings.upstream).toBeGreaterThanOrEqual(0);
    expect(allowed!.timings.upstream).toBeLessThanOrEqual(allowed!.timings.total);
    expect(rejected!.timings.upstream).toBeUndefined();
  });

  it("passes the app's errors to the host's error handler, still through headerFilter", async () => {
    const response = await send(`${embedded.url}/orders/explode`, { headers: { authorization: `Bearer ${token}`, origin: appOrigin } });
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ handledBy: "host" });
    expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
  });

  it("filters a streamed app response chunk by chunk, with the app waiting for drain", async () => {
    reached.length = 0;
    progress.written = 0;
    progress.waits = 0;
    filtered.chunks = 0;
    const response = await send(`${embedded.url}/stream`);
    expect(response.status).toBe(200);
    expect(response.headers["x-filtered"]).toBe("upper-case");
    expect(response.headers["content-length"]).toBeUndefined();
    expect(response.body.length).toBe(streamChunk.length * streamChunks);
    expect(response.text()).toBe(streamChunk.toString("latin1").toUpperCase().repeat(streamChunks));
    expect(filtered.chunks).toBe(streamChunks);
    // Each filtered write is asynchronous, so write() returned false and the app paused for drain.
    expect(progress.waits).toBeGreaterThan(0);
  });

  it("stops the app's writes while the client is not reading (backpressure through the body filter)", async () => {
    progress.written = 0;
    const read = await stalledRead(embedded.port, "/stream/big", () => progress.written);
    const [early, late] = read.whilePaused;
    expect(late).toBe(early);
    expect(late).toBeLessThan(bigStreamChunks / 2);
    expect(progress.written).toBe(bigStreamChunks);
    expect(read.bytes).toBeGreaterThan(bigStreamChunks * streamChunk.length);
    expect(read.tail).toMatch(/ABCDEFGH\r\n0\r\n\r\n$/);
  });

  it("answers a clean 500 without the stack when a plugin fails, and the app handler never runs after an access failure", async () => {
    reached.length = 0;
    const inAccess = await send(`${embedded.url}/broken/access`);
    expect(inAccess.status).toBe(500);
    expect(inAccess.json()).toMatchObject({ message: "An unexpected error occurred" });
    expect(inAccess.text()).not.toMatch(/secret internal detail|at .*\.ts/);
    expect(reached).toEqual([]);
    const inHeaderFilter = await send(`${embedded.url}/broken/head`);
    expect(inHeaderFilter.status).toBe(500);
    expect(inHeaderFilter.json()).toMatchObject({ message: "An unexpected error occurred" });
    expect(inHeaderFilter.text()).not.toMatch(/secret internal detail|the app answered/);
    // The host is still serving.
    expect((await send(`${embedded.url}/public`)).status).toBe(200);
  });

  it("leaves a request no route selects byte-identical to the bare app", async () => {
    for (const path of ["/public", "/missing", "/public?x=1"]) {
      const [withGateway, without] = await Promise.all([rawExchange(embedded.port, rawGet(path)), rawExchange(bare.port, rawGet(path))]);
      expect(maskDate(withGateway)).toBe(maskDate(without));
    }
    const head = maskDate(await rawExchange(embedded.port, rawGet("/public")));
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).not.toMatch(/access-control|x-request-id/i);
  });

  it("rate limits a route through the app: the 429 answers without the handler", async () => {
    const limited = await createGateway({ config: embeddingConfig({ minute: 2, ordersRoute: "orders-limited" }), plugins, logger: false, accessLog: false });
    const app = await listen(buildApp(limited));
    try {
      reached.length = 0;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await send(`${app.url}/orders`, { headers: { authorization: `Bearer ${token}` } })).status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(reached).toEqual(["/orders", "/orders"]);
    } finally {
      await closeServer(app.server);
      await limited.close({ timeout: 2_000 });
    }
  });
});

describe("Express 5 embedding: config shapes, reload and close", () => {
  it("applies a plugins-only config to every request", async () => {
    const gateway = await createGateway({
      config: { _format_version: "3.0", plugins: [{ name: "cors", config: { origins: [appOrigin] } }] },
      logger: false,
      accessLog: false,
    });
    const app = await listen(buildApp(gateway));
    try {
      for (const path of ["/public", "/anything/else"]) {
        const response = await send(`${app.url}${path}`, { headers: { origin: appOrigin } });
        expect(response.headers["access-control-allow-origin"]).toBe(appOrigin);
      }
    } finally {
      await closeServer(app.server);
      await gateway.close({ timeout: 2_000 });
    }
  });

  it("swaps plugins on reload(newConfig), and after close() a protected route never reaches the app", async () => {
    const gateway = await createGateway({ config: embeddingConfig(), plugins: testPlugins().plugins, logger: false, accessLog: false });
    const app = await listen(buildApp(gateway));
    try {
      expect((await send(`${app.url}/orders`)).status).toBe(401);
      await gateway.reload({ _format_version: "3.0", routes: [{ name: "open", paths: ["/public"], plugins: [{ name: "cors", config: { origins: [appOrigin] } }] }] });
      expect(gateway.status().configVersion).toBe(2);
      const opened = await send(`${app.url}/orders`);
      expect(opened.status).toBe(200);
      expect(opened.json()).toEqual({ consumer: null, credential: null });
      const publicResponse = await send(`${app.url}/public`, { headers: { origin: appOrigin } });
      expect(publicResponse.headers["access-control-allow-origin"]).toBe(appOrigin);
      await expect(gateway.reload({ _format_version: "3.0", routes: [{ name: "bad", paths: ["no-slash"] }] })).rejects.toThrow(/paths/);
      expect((await send(`${app.url}/public`, { headers: { origin: appOrigin } })).headers["access-control-allow-origin"]).toBe(appOrigin);

      await gateway.reload(embeddingConfig());
      await gateway.close({ timeout: 2_000 });
      reached.length = 0;
      const afterClose = await send(`${app.url}/orders`);
      expect(afterClose.status).toBeGreaterThanOrEqual(400);
      expect(reached).toEqual([]);
    } finally {
      await closeServer(app.server);
      await gateway.close({ timeout: 2_000 });
    }
  });
});
