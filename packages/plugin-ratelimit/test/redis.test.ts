import { type ChainResult, createHarness, type Harness } from "@portcullis/sdk/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import rateLimiting from "../src/plugin.js";
import { type RedisProcess, startRedis } from "./redis-server.js";

/** A fixed clock, 15 s into a minute, so that a burst never straddles a window boundary. */
const fixedNow = Date.UTC(2026, 2, 14, 10, 0, 15);
const now = () => fixedNow;

let server: RedisProcess;
let admin: Redis;
const open: Harness[] = [];

beforeAll(async () => {
  server = await startRedis();
  admin = new Redis({ host: "127.0.0.1", port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
});

afterAll(async () => {
  for (const harness of open) await harness.close();
  admin.disconnect();
  await server.stop();
});

beforeEach(async () => {
  if (admin.status === "ready") await admin.flushall();
});

async function gateway(config: Record<string, unknown>, options: Parameters<typeof createHarness>[1] = {}): Promise<Harness> {
  const harness = await createHarness(
    [{ plugin: rateLimiting, config: { policy: "redis", redis: { host: "127.0.0.1", port: server.port, timeout: 500 }, ...config } }],
    { now, ...options },
  );
  open.push(harness);
  return harness;
}

const rateLimitHeaderPattern = /^(x-ratelimit-|ratelimit|retry-after)/;
const rateLimitHeaders = (result: ChainResult) => Object.keys(result.headers).filter((name) => rateLimitHeaderPattern.test(name));

describe("redis policy against a real redis-server", () => {
  it("follows Kong's validate_headers sequence", async () => {
    const harness = await gateway({ minute: 6, limit_by: "ip" });
    const results: ChainResult[] = [];
    for (let index = 0; index < 7; index++) results.push(await harness.request());
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(results.map((result) => result.headers["x-ratelimit-remaining-minute"])).toEqual(["5", "4", "3", "2", "1", "0", "0"]);
    expect(results.map((result) => result.headers["ratelimit-remaining"])).toEqual(["5", "4", "3", "2", "1", "0", "0"]);
    expect(results[6]!.headers["retry-after"]).toBe("45");
  });

  it("stores counters under the plugin's scope, with a TTL to the end of the window, and does not count 429s", async () => {
    const harness = await gateway({ minute: 2, hour: 10, limit_by: "ip" });
    for (let index = 0; index < 4; index++) await harness.request({ clientIp: "10.1.2.3" });
    const zero = "00000000-0000-0000-0000-000000000000";
    const minuteKey = `ratelimit:{${zero}:${zero}:10.1.2.3}:${Date.UTC(2026, 2, 14, 10, 0, 0)}:minute`;
    const hourKey = `ratelimit:{${zero}:${zero}:10.1.2.3}:${Date.UTC(2026, 2, 14, 10, 0, 0)}:hour`;
    expect(await admin.get(minuteKey)).toBe("2");
    expect(await admin.get(hourKey)).toBe("2");
    const ttl = await admin.pttl(minuteKey);
    expect(ttl).toBeGreaterThan(44_000);
    expect(ttl).toBeLessThanOrEqual(45_000);
  });

  for (const windowType of ["fixed", "sliding"] as const) {
    it(`two gateways sharing one redis admit exactly the limit under concurrency (${windowType})`, async () => {
      const first = await gateway({ minute: 25, hour: 1000, limit_by: "ip", window_type: windowType });
      const second = await gateway({ minute: 25, hour: 1000, limit_by: "ip", window_type: windowType });
      const results = await Promise.all(
        Array.from({ length: 120 }, (_, index) => (index % 2 === 0 ? first : second).request({ clientIp: "10.9.9.9" })),
      );
      expect(results.filter((result) => result.status === 200)).toHaveLength(25);
      expect(results.filter((result) => result.status === 429)).toHaveLength(95);
      const remaining = results.filter((result) => result.status === 200).map((result) => Number(result.headers["ratelimit-remaining"]));
      expect(remaining.sort((left, right) => left - right)).toEqual(Array.from({ length: 25 }, (_, index) => index));
    });
  }

  it("a global plugin shares its counters across services (Kong's 'global for single consumer')", async () => {
    const serviceOne = await gateway({ minute: 6, limit_by: "ip" }, { service: { id: "service-1", name: "one" } });
    const serviceTwo = await gateway({ minute: 6, limit_by: "ip" }, { service: { id: "service-2", name: "two" } });
    const one: number[] = [];
    for (let index = 0; index < 7; index++) one.push((await serviceOne.request()).status);
    const two: ChainResult[] = [];
    for (let index = 0; index < 7; index++) two.push(await serviceTwo.request());
    expect(one).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(two.map((result) => result.status)).toEqual(Array(7).fill(429));
    expect(two.map((result) => result.headers["ratelimit-remaining"])).toEqual(Array(7).fill("0"));
  });

  it("limit_by service on a global plugin counts per service", async () => {
    const serviceOne = await gateway({ minute: 2, limit_by: "service" }, { service: { id: "service-1", name: "one" } });
    const serviceTwo = await gateway({ minute: 2, limit_by: "service" }, { service: { id: "service-2", name: "two" } });
    const statuses: number[] = [];
    for (const harness of [serviceOne, serviceOne, serviceOne, serviceTwo, serviceTwo, serviceTwo]) statuses.push((await harness.request()).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);
  });
});

describe("redis outages", () => {
  it("a stalled redis (SIGSTOP): fault_tolerant true passes without headers, false answers 500, both within the timeout", async () => {
    const tolerant = await gateway({ minute: 5, limit_by: "ip", redis: { host: "127.0.0.1", port: server.port, timeout: 300 } });
    const strict = await gateway({
      minute: 5,
      limit_by: "ip",
      fault_tolerant: false,
      redis: { host: "127.0.0.1", port: server.port, timeout: 300 },
    });
    expect((await tolerant.request()).headers["ratelimit-remaining"]).toBe("4");
    server.pause();
    try {
      let started = Date.now();
      const passed = await tolerant.request();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(passed.status).toBe(200);
      expect(rateLimitHeaders(passed)).toEqual([]);
      expect(passed.logs.filter((record) => record.level === "warn").map((record) => record.message)).toEqual([
        "rate-limiting: counter store failed; request let through without limiting (fault_tolerant)",
      ]);
      started = Date.now();
      const refused = await strict.request();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(refused.status).toBe(500);
      expect(refused.json<{ message: string }>().message).toBe("An unexpected error occurred");
      expect(rateLimitHeaders(refused)).toEqual([]);
      expect(refused.logs.find((record) => record.level === "error")?.fields).toMatchObject({ code: "PC_RATELIMIT_STORE_FAILED" });
    } finally {
      server.resume();
    }
  });

  it("a dead redis: fast answers, logs throttled, and recovery on the same port with no restart", async () => {
    const warnings: string[] = [];
    const tolerant = await gateway({ minute: 5, limit_by: "ip", redis: { host: "127.0.0.1", port: server.port, timeout: 300 } });
    const strict = await gateway({
      minute: 5,
      limit_by: "ip",
      fault_tolerant: false,
      redis: { host: "127.0.0.1", port: server.port, timeout: 300 },
    });
    expect((await strict.request({ clientIp: "10.0.0.8" })).status).toBe(200);
    await server.stop();
    try {
      const started = Date.now();
      const passes: ChainResult[] = [];
      for (let index = 0; index < 5; index++) passes.push(await tolerant.request());
      const refusals: ChainResult[] = [];
      for (let index = 0; index < 3; index++) refusals.push(await strict.request());
      expect(Date.now() - started).toBeLessThan(3000);
      expect(passes.map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);
      for (const result of passes) expect(rateLimitHeaders(result)).toEqual([]);
      expect(refusals.map((result) => result.status)).toEqual([500, 500, 500]);
      for (const result of refusals) expect(rateLimitHeaders(result)).toEqual([]);
      for (const result of passes) for (const record of result.logs) if (record.level === "warn") warnings.push(record.message);
    } finally {
      await server.start();
    }
    // The plugin's clock is frozen, so the throttled warning was written once for five failures.
    expect(warnings).toEqual(["rate-limiting: counter store failed; request let through without limiting (fault_tolerant)"]);

    await admin.connect().catch(() => undefined);
    const deadline = Date.now() + 5000;
    let recovered: ChainResult | undefined;
    while (Date.now() < deadline) {
      const result = await strict.request({ clientIp: "10.0.0.9" });
      if (result.status === 200) {
        recovered = result;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered?.headers["ratelimit-remaining"]).toBe("4");
    const next = await tolerant.request({ clientIp: "10.0.0.9" });
    expect(next.headers["ratelimit-remaining"]).toBe("3");
  });

  it("a redis that is down at load does not fail the load; requests follow fault_tolerant", async () => {
    const { freePort } = await import("./redis-server.js");
    const deadPort = await freePort();
    const started = Date.now();
    const harness = await createHarness(
      [{ plugin: rateLimiting, config: { minute: 5, fault_tolerant: false, policy: "redis", redis: { host: "127.0.0.1", port: deadPort, timeout: 200 } } }],
      { now },
    );
    open.push(harness);
    const result = await harness.request();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.status).toBe(500);
  });
});
