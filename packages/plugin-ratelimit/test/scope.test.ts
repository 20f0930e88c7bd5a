import type { AccessContext, HeaderValue, PluginInstance, PluginScope, PluginSetup } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import rateLimiting from "../src/plugin.js";

/**
 * The SDK harness runs every entry unscoped and with one service per harness. These cases need one instance seeing
 * requests for several services, and a plugin scoped to a service, so they drive `create` and `access` directly.
 */
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
const now = () => Date.UTC(2026, 2, 14, 10, 0, 15);

async function instance(config: Record<string, unknown>, scope: Partial<PluginScope> = {}): Promise<PluginInstance> {
  const setup: PluginSetup = {
    log: quietLogger,
    // The plugin records no telemetry; these are never called.
    tracer: {} as PluginSetup["tracer"],
    meter: {} as PluginSetup["meter"],
    consumers: [],
    findConsumer: () => undefined,
    credentials: {},
    scope: { level: "global", routeId: undefined, serviceId: undefined, consumerId: undefined, ...scope },
    instanceId: "test",
    signal: new AbortController().signal,
    now,
  };
  const checked = { limit_by: "ip", policy: "local", fault_tolerant: true, hide_client_headers: false, error_code: 429,
    error_message: "API rate limit exceeded", sync_rate: -1, header_style: "kong", window_type: "fixed",
    redis: { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false }, ...config };
  return rateLimiting.create(checked as never, setup);
}

async function call(plugin: PluginInstance, serviceId: string): Promise<{ status: number; headers: Record<string, HeaderValue> }> {
  const headers: Record<string, HeaderValue> = {};
  let status = 200;
  const ctx = {
    request: { clientIp: "192.0.2.7", path: "/", headers: {} },
    service: { id: serviceId, name: undefined },
    consumer: undefined,
    credential: undefined,
    log: quietLogger,
    response: { setHeader: (name: string, value: HeaderValue) => (headers[name] = value) },
    error: (code: number) => {
      status = code;
      return { status: code };
    },
  } as unknown as AccessContext;
  await plugin.access?.(ctx);
  return { status, headers };
}

describe("counter scope", () => {
  it("a global plugin shares one counter across services (Kong: the second service starts at 0 remaining)", async () => {
    const plugin = await instance({ minute: 6 });
    const first: number[] = [];
    for (let index = 0; index < 7; index++) first.push((await call(plugin, "service-1")).status);
    const second = [];
    for (let index = 0; index < 7; index++) second.push(await call(plugin, "service-2"));
    await plugin.close?.();
    expect(first).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(second.map((result) => result.status)).toEqual(Array(7).fill(429));
    expect(second.map((result) => result.headers["ratelimit-remaining"])).toEqual(Array(7).fill("0"));
  });

  it("limit_by service on a global plugin counts each service apart", async () => {
    const plugin = await instance({ minute: 1, limit_by: "service" });
    const statuses = [];
    for (const service of ["service-1", "service-1", "service-2", "service-2"]) statuses.push((await call(plugin, service)).status);
    await plugin.close?.();
    expect(statuses).toEqual([200, 429, 200, 429]);
  });
});
