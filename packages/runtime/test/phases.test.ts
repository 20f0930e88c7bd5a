import { definePlugin } from "@portcullis/sdk";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { send, serviceConfig, startGateway, startUpstream } from "./support.js";

describe("phase runner over sockets", () => {
  it("streams a large body through a bodyFilter chunk by chunk, without buffering it whole", async () => {
    const size = 32 * 1024 * 1024;
    let chunks = 0;
    const counter = definePlugin({
      name: "byte-counter",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object" },
      create: () => ({
        bodyFilter(ctx, chunk, eof) {
          chunks++;
          ctx.state.bytes = ((ctx.state.bytes as number | undefined) ?? 0) + chunk.length;
          return eof ? Buffer.from(`|${ctx.state.bytes}`) : undefined;
        },
      }),
    });
    let upstreamDoneAt = 0;
    const upstream = await startUpstream(undefined, {
      streaming: (_request, response) => {
        response.writeHead(200, { "content-length": String(size) });
        const chunk = Buffer.alloc(64 * 1024, 1);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!response.write(chunk)) return response.once("drain", pump);
          }
          response.end(() => {
            upstreamDoneAt = performance.now();
          });
        };
        pump();
      },
    });
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "byte-counter" }] }), plugins: [counter] });
    try {
      const response = await request(`${gateway.url}/big`);
      expect(response.headers["content-length"]).toBeUndefined();
      let received = 0;
      let firstChunkAt = 0;
      let tail = "";
      for await (const chunk of response.body) {
        firstChunkAt ||= performance.now();
        received += (chunk as Buffer).length;
        tail = (tail + (chunk as Buffer).toString("latin1")).slice(-32);
      }
      expect(received).toBe(size + `|${size}`.length);
      expect(tail.endsWith(`|${size}`)).toBe(true);
      expect(chunks).toBeGreaterThan(10);
      // The client sees bytes while the upstream is still sending: the filter streams, it does not collect.
      expect(firstChunkAt).toBeLessThan(upstreamDoneAt);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("runs log after the response and never delays it; a log error is isolated", async () => {
    const seen: { status: number; total: number }[] = [];
    const slowLogger = definePlugin({
      name: "slow-logger",
      version: "1.0.0",
      priority: 2,
      configSchema: { type: "object" },
      create: () => ({
        async log(ctx) {
          await new Promise((resolve) => setTimeout(resolve, 400));
          seen.push({ status: ctx.response.status, total: ctx.timings.total });
        },
      }),
    });
    const badLogger = definePlugin({
      name: "bad-logger",
      version: "1.0.0",
      priority: 3,
      configSchema: { type: "object" },
      create: () => ({
        log() {
          throw new Error("log exploded");
        },
      }),
    });
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "slow-logger" }, { name: "bad-logger" }] }), plugins: [slowLogger, badLogger] });
    try {
      const started = Date.now();
      const response = await send(`${gateway.url}/x`);
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(300);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(seen).toHaveLength(1);
      expect(seen[0]!.status).toBe(200);
      expect(gateway.gateway.metrics.render()).toContain('portcullis_plugin_errors_total{plugin="bad-logger",phase="log"} 1');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("turns a throw in headerFilter into a clean 500 while the other headerFilters still run", async () => {
    const thrower = definePlugin({
      name: "header-thrower",
      version: "1.0.0",
      priority: 20,
      configSchema: { type: "object" },
      create: () => ({
        headerFilter() {
          throw new Error("header failure");
        },
      }),
    });
    const marker = definePlugin({
      name: "marker",
      version: "1.0.0",
      priority: 10,
      configSchema: { type: "object" },
      create: () => ({ headerFilter: (ctx) => ctx.response.setHeader("x-marker", "yes") }),
    });
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "header-thrower" }, { name: "marker" }] }), plugins: [thrower, marker] });
    try {
      const response = await send(`${gateway.url}/x`);
      expect(response.status).toBe(500);
      expect(response.json<{ message: string }>().message).toBe("An unexpected error occurred");
      expect(response.headers["x-marker"]).toBe("yes");
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("mixes synchronous and asynchronous access handlers in order, and resolves consumer-scoped configs after auth", async () => {
    const order: string[] = [];
    const auth = definePlugin({
      name: "fake-auth",
      version: "1.0.0",
      priority: 1000,
      configSchema: { type: "object" },
      create: (_config, setup) => ({
        async access(ctx) {
          order.push("auth");
          await new Promise((resolve) => setTimeout(resolve, 5));
          const user = ctx.request.header("x-user");
          const consumer = user === undefined ? undefined : setup.findConsumer(user);
          if (consumer === undefined) return ctx.respond(401, { message: "Unauthorized" });
          ctx.authenticate(consumer);
        },
      }),
    });
    const quota = definePlugin({
      name: "quota",
      version: "1.0.0",
      priority: 900,
      configSchema: { type: "object", properties: { limit: { type: "integer" } }, required: ["limit"] },
      create: (config) => ({
        access(ctx) {
          order.push(`quota:${config.limit}`);
          ctx.response.setHeader("x-quota", String(config.limit));
        },
      }),
    });
    const upstream = await startUpstream();
    const gateway = await startGateway({
      plugins: [auth, quota],
      config: serviceConfig(upstream.url, {
        consumers: [{ username: "gold", plugins: [{ name: "quota", config: { limit: 1000 } }] }, { username: "plain" }],
        plugins: [{ name: "fake-auth" }, { name: "quota", config: { limit: 10 } }],
      }),
    });
    try {
      expect((await send(`${gateway.url}/x`, { headers: { "x-user": "gold" } })).headers["x-quota"]).toBe("1000");
      expect((await send(`${gateway.url}/x`, { headers: { "x-user": "plain" } })).headers["x-quota"]).toBe("10");
      const refused = await send(`${gateway.url}/x`);
      expect(refused.status).toBe(401);
      expect(refused.headers["x-quota"]).toBeUndefined();
      expect(order).toEqual(["auth", "quota:1000", "auth", "quota:10", "auth"]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("deciding the response", () => {
  it("refuses a second respond() in the same request, as the harness does, and keeps the first answer", async () => {
    const twice = definePlugin({
      name: "twice",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object" },
      create: () => ({
        access(ctx) {
          ctx.respond(403, { message: "first" });
          ctx.respond(200, { message: "second" });
        },
      }),
    });
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "twice" }] }), plugins: [twice] });
    try {
      const response = await send(`${gateway.url}/x`);
      // The throw turns into Kong's 500: a plugin that answers twice has a bug, and the client must not get either.
      expect(response.status).toBe(500);
      expect(gateway.gateway.metrics.render()).toContain('portcullis_plugin_errors_total{plugin="twice",phase="access"} 1');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
