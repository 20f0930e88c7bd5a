import { createServer } from "node:http";
import { definePlugin, GatewayError } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { createAdminServer, createGateway } from "../src/index.js";
import { closeServer, listenOnLoopback, send, serviceConfig, startGateway, startUpstream } from "./support.js";

function tagPlugin(closed: string[]) {
  return definePlugin({
    name: "tag",
    version: "1.0.0",
    priority: 10,
    configSchema: { type: "object", properties: { value: { type: "string" } }, required: ["value"], additionalProperties: false },
    create: (config) => ({
      headerFilter: (ctx) => ctx.response.setHeader("x-tag", config.value),
      close: () => {
        closed.push(config.value);
      },
    }),
  });
}

describe("reload", () => {
  it("swaps the config atomically, lets in-flight requests finish on the old one, then closes its instances", async () => {
    let release: (() => void) | undefined;
    const upstream = await startUpstream((request, response) => {
      if (request.url === "/slow") {
        release = () => response.end("slow done");
        return;
      }
      response.end("fast");
    });
    const holdingSlowRequest = async () => {
      for (let waited = 0; release === undefined && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(release).toBeDefined();
    };
    const closed: string[] = [];
    const plugin = tagPlugin(closed);
    const config = (value: string) => serviceConfig(upstream.url, { plugins: [{ name: "tag", config: { value } }] });
    const gateway = await startGateway({ config: config("one"), plugins: [plugin] });
    try {
      const inflight = send(`${gateway.url}/slow`);
      await holdingSlowRequest();
      await gateway.gateway.reload(config("two"));
      expect((await send(`${gateway.url}/fast`)).headers["x-tag"]).toBe("two");
      expect(closed).toEqual([]);
      release?.();
      const old = await inflight;
      expect(old.headers["x-tag"]).toBe("one");
      expect(old.text()).toBe("slow done");
      for (let waited = 0; closed.length === 0 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(closed).toEqual(["one"]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("refuses an invalid config, changes nothing, and keeps serving the old one", async () => {
    const upstream = await startUpstream();
    const closed: string[] = [];
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "tag", config: { value: "one" } }] }), plugins: [tagPlugin(closed)] });
    try {
      const failure = await gateway.gateway
        .reload(serviceConfig(upstream.url, { plugins: [{ name: "tag", config: { value: 5, extra: true } }] }))
        .catch((error: unknown) => error);
      expect(GatewayError.is(failure)).toBe(true);
      expect((failure as GatewayError).code).toBe("PC_ERR_CONFIG_INVALID");
      expect((failure as GatewayError).message).toContain("plugins[0].config.value");
      expect((failure as GatewayError).message).toContain("plugins[0].config.extra");
      expect((await send(`${gateway.url}/x`)).headers["x-tag"]).toBe("one");
      expect(closed).toEqual([]);
      expect(gateway.gateway.status().configVersion).toBe(1);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("close", () => {
  it("waits for an in-flight request, then closes every plugin instance", async () => {
    let arrived: () => void = () => {};
    const upstreamHasRequest = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const upstream = await startUpstream((_request, response) => {
      arrived();
      setTimeout(() => response.end("late"), 200);
    });
    const closed: string[] = [];
    const gateway = await createGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "tag", config: { value: "one" } }] }), plugins: [tagPlugin(closed)], logger: false });
    const server = createServer(gateway.handler);
    const port = await listenOnLoopback(server);
    try {
      const inflight = send(`http://127.0.0.1:${port}/x`);
      await upstreamHasRequest;
      await gateway.close({ timeout: 5_000 });
      const response = await inflight;
      expect(response.status).toBe(200);
      expect(response.text()).toBe("late");
      expect(closed).toEqual(["one"]);
      expect((await send(`http://127.0.0.1:${port}/x`)).status).toBe(503);
    } finally {
      await closeServer(server);
      await upstream.close();
    }
  });
});

describe("admin endpoint", () => {
  it("serves status, Prometheus metrics and the config with secrets redacted", async () => {
    const upstream = await startUpstream();
    const gateway = await startGateway({
      config: serviceConfig(upstream.url, {
        consumers: [{ username: "alice", jwt_secrets: [{ key: "alice-key", secret: "super-secret-value" }] }],
        plugins: [{ name: "jwt" }],
      }),
    });
    const admin = createAdminServer(gateway.gateway);
    const port = await listenOnLoopback(admin);
    try {
      await send(`${gateway.url}/x`);
      const status = await send(`http://127.0.0.1:${port}/status`);
      expect(status.json()).toMatchObject({ configVersion: 1, routes: 1, services: 1 });
      const metrics = (await send(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('portcullis_requests_total{route="all",status="401"} 1');
      expect(metrics).toContain("portcullis_request_duration_seconds_bucket");
      const config = (await send(`http://127.0.0.1:${port}/config`)).text();
      expect(config).not.toContain("super-secret-value");
      expect(config).toContain("[redacted]");
      expect((await send(`http://127.0.0.1:${port}/nope`)).status).toBe(404);
    } finally {
      await closeServer(admin);
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("reload and state", () => {
  it("keeps local rate-limit counters across a reload, as Kong's shared dictionary does", async () => {
    const upstream = await startUpstream();
    const config = (extraRoute: boolean) => ({
      _format_version: "3.0",
      services: [
        {
          name: "backend",
          url: upstream.url,
          routes: [{ name: "all", paths: ["/"] }, ...(extraRoute ? [{ name: "extra", paths: ["/extra"] }] : [])],
        },
      ],
      plugins: [{ name: "rate-limiting", config: { hour: 2, policy: "local", limit_by: "ip" } }],
    });
    const gateway = await startGateway({ config: config(false) });
    try {
      expect((await send(`${gateway.url}/x`)).status).toBe(200);
      expect((await send(`${gateway.url}/x`)).status).toBe(200);
      await gateway.gateway.reload(config(true));
      const limited = await send(`${gateway.url}/x`);
      expect(limited.status).toBe(429);
      expect(limited.headers["x-ratelimit-remaining-hour"]).toBe("0");
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
