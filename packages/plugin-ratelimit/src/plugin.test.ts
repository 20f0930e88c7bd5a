import { definePlugin } from "@portcullis/sdk";
import { type ChainResult, createHarness, runPlugin } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import rateLimiting from "./plugin.js";

/** 2026-03-14T10:00:15Z: 15 seconds into a minute, so the minute reset is 45. */
const fixedNow = Date.UTC(2026, 2, 14, 10, 0, 15);

function clock(start = fixedNow) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

const rateLimitHeaderPattern = /^(x-ratelimit-|ratelimit|retry-after)/;
function rateLimitHeaderNames(result: ChainResult): string[] {
  return Object.keys(result.headers).filter((name) => rateLimitHeaderPattern.test(name));
}

async function sequence(
  config: Record<string, unknown>,
  requests: readonly Record<string, unknown>[],
  options: Parameters<typeof createHarness>[1] = {},
): Promise<ChainResult[]> {
  const harness = await createHarness([{ plugin: rateLimiting, config }], { now: clock().now, ...options });
  try {
    const results: ChainResult[] = [];
    for (const request of requests) results.push(await harness.request(request));
    return results;
  } finally {
    await harness.close();
  }
}

function expectValidateHeaders(results: readonly ChainResult[]) {
  expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
  expect(results.map((result) => result.headers["x-ratelimit-limit-minute"])).toEqual(Array(7).fill("6"));
  expect(results.map((result) => result.headers["x-ratelimit-remaining-minute"])).toEqual(["5", "4", "3", "2", "1", "0", "0"]);
  expect(results.map((result) => result.headers["ratelimit-limit"])).toEqual(Array(7).fill("6"));
  expect(results.map((result) => result.headers["ratelimit-remaining"])).toEqual(["5", "4", "3", "2", "1", "0", "0"]);
  for (const result of results) {
    const reset = Number(result.headers["ratelimit-reset"]);
    expect(reset).toBeGreaterThanOrEqual(0);
    expect(reset).toBeLessThanOrEqual(60);
  }
}

const seven = (request: Record<string, unknown> = {}) => Array.from({ length: 7 }, () => request);

describe("rate-limiting: definition", () => {
  it("is Kong's rate-limiting at priority 910 and may be scoped to a consumer", () => {
    expect(rateLimiting.name).toBe("rate-limiting");
    expect(rateLimiting.priority).toBe(910);
    expect(rateLimiting.allowConsumerScope).toBe(true);
  });
});

describe("rate-limiting: Kong's validate_headers sequence (local policy)", () => {
  it("minute=6: 200x6 then 429, remaining 5..0,0, reset 45 and Retry-After on the 429", async () => {
    const results = await sequence({ minute: 6, limit_by: "ip" }, seven());
    expectValidateHeaders(results);
    expect(results[0]!.headers["ratelimit-reset"]).toBe("45");
    expect(results[5]!.headers["retry-after"]).toBeUndefined();
    expect(results[6]!.headers["retry-after"]).toBe("45");
    expect(results[6]!.json<{ message: string; request_id: string }>().message).toBe("API rate limit exceeded");
    expect(results[6]!.text()).toMatch(/^\{\n {2}"message":"API rate limit exceeded",\n {2}"request_id":".+"\n\}$/);
    expect(results[6]!.upstreamRequest).toBeUndefined();
    expect(results[0]!.upstreamRequest).toBeDefined();
  });

  it("blocked requests are not counted: after the window rolls over the full quota is back", async () => {
    const time = clock();
    const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 2, limit_by: "ip" } }], { now: time.now });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) statuses.push((await harness.request()).status);
    time.advance(60_000);
    for (let index = 0; index < 3; index++) statuses.push((await harness.request()).status);
    await harness.close();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 200, 200, 429]);
  });

  it("handles multiple limits: minute=6, hour=99999 reports the minute window in RateLimit-*", async () => {
    const results = await sequence({ minute: 6, hour: 99999, limit_by: "ip" }, seven());
    expectValidateHeaders(results);
    expect(results.map((result) => result.headers["x-ratelimit-limit-hour"])).toEqual(Array(7).fill("99999"));
    // The 429 was stopped by the minute window, so the hour window is not decremented for it.
    expect(results.map((result) => result.headers["x-ratelimit-remaining-hour"])).toEqual([
      "99998",
      "99997",
      "99996",
      "99995",
      "99994",
      "99993",
      "99993",
    ]);
  });

  it("a blocking longer window wins ties and sets Retry-After to its reset", async () => {
    const results = await sequence({ second: 5, minute: 2, limit_by: "ip" }, [{}, {}, {}]).catch((error: unknown) => error);
    // second=5 > minute=2 is refused by the order check; use a valid pair instead.
    expect(String(results)).toContain("The limit for minute(2.0) cannot be lower than the limit for second(5.0)");
    const valid = await sequence({ second: 2, minute: 2, limit_by: "ip" }, [{}, {}, {}]);
    expect(valid.map((result) => result.status)).toEqual([200, 200, 429]);
    expect(valid[1]!.headers["ratelimit-limit"]).toBe("2");
    expect(valid[2]!.headers["ratelimit-reset"]).toBe("45");
    expect(valid[2]!.headers["retry-after"]).toBe("45");
  });

  it("expire counter: second=1 allows one request per second", async () => {
    const time = clock();
    const harness = await createHarness([{ plugin: rateLimiting, config: { second: 1, limit_by: "ip" } }], { now: time.now });
    const first = await harness.request();
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("1");
    expect(first.headers["ratelimit-remaining"]).toBe("0");
    expect(first.headers["x-ratelimit-limit-second"]).toBe("1");
    expect(first.headers["x-ratelimit-remaining-second"]).toBe("0");
    expect(first.headers["ratelimit-reset"]).toBe("1");
    const second = await harness.request();
    expect(second.status).toBe(429);
    expect(second.json<{ message: string }>().message).toContain("API rate limit exceeded");
    time.advance(1000);
    expect((await harness.request()).status).toBe(200);
    await harness.close();
  });

  it("custom error_code and error_message", async () => {
    const results = await sequence({ minute: 1, limit_by: "ip", error_code: 404, error_message: "Fake Not Found" }, [{}, {}]);
    expect(results.map((result) => result.status)).toEqual([200, 404]);
    expect(results[1]!.json<{ message: string }>().message).toBe("Fake Not Found");
  });

  it("hide_client_headers: neither the 200 nor the 429 carries any rate-limit header", async () => {
    const results = await sequence({ minute: 1, limit_by: "ip", hide_client_headers: true }, [{}, {}]);
    expect(results.map((result) => result.status)).toEqual([200, 429]);
    for (const result of results) expect(rateLimitHeaderNames(result)).toEqual([]);
  });

  it("headers set in access land on the proxied response", async () => {
    const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 3, limit_by: "ip" } }], { now: clock().now });
    const result = await harness.request({}, { status: 201, headers: { "x-upstream": "yes" }, body: "created" });
    await harness.close();
    expect(result.status).toBe(201);
    expect(result.source).toBe("upstream");
    expect(result.headers["x-upstream"]).toBe("yes");
    expect(result.headers["x-ratelimit-remaining-minute"]).toBe("2");
  });
});

describe("rate-limiting: limit_by", () => {
  it("ip: each client IP gets its own sequence", async () => {
    const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 6, limit_by: "ip" } }], { now: clock().now });
    const first: ChainResult[] = [];
    const second: ChainResult[] = [];
    for (let index = 0; index < 7; index++) first.push(await harness.request({ clientIp: "127.0.0.1" }));
    for (let index = 0; index < 7; index++) second.push(await harness.request({ clientIp: "127.0.0.2" }));
    await harness.close();
    expectValidateHeaders(first);
    expectValidateHeaders(second);
  });

  it("header: counts per value of header_name, and falls back to the IP without it", async () => {
    const harness = await createHarness(
      [{ plugin: rateLimiting, config: { minute: 6, limit_by: "header", header_name: "Test-Header-1" } }],
      { now: clock().now },
    );
    const byHeader: ChainResult[] = [];
    const byIp: ChainResult[] = [];
    const otherValue: ChainResult[] = [];
    for (let index = 0; index < 7; index++) byHeader.push(await harness.request({ headers: { "test-header-1": "a" } }));
    for (let index = 0; index < 7; index++) byIp.push(await harness.request({ headers: { "test-header-2": "a" } }));
    for (let index = 0; index < 7; index++) otherValue.push(await harness.request({ headers: { "test-header-1": "b" } }));
    await harness.close();
    expectValidateHeaders(byHeader);
    expectValidateHeaders(byIp);
    expectValidateHeaders(otherValue);
  });

  it("path: counts the configured path on its own and every other path per IP", async () => {
    const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 6, limit_by: "path", path: "/1-test" } }], {
      now: clock().now,
    });
    const configured: ChainResult[] = [];
    const other: ChainResult[] = [];
    for (let index = 0; index < 7; index++) configured.push(await harness.request({ path: "/1-test", clientIp: "10.0.0.1" }));
    for (let index = 0; index < 7; index++) other.push(await harness.request({ path: "/2-test", clientIp: "10.0.0.1" }));
    await harness.close();
    expectValidateHeaders(configured);
    expectValidateHeaders(other);
  });

  it("service: counts per service, and per IP without one", async () => {
    const serviceOne = await sequence({ minute: 6, limit_by: "service" }, seven(), { service: { id: "s1", name: "one" } });
    expectValidateHeaders(serviceOne);
    const noService = await sequence({ minute: 6, limit_by: "service" }, seven());
    expectValidateHeaders(noService);
  });

  const authenticator = definePlugin({
    name: "fake-auth",
    version: "1.0.0",
    priority: 1250,
    configSchema: { type: "object", properties: {}, additionalProperties: false },
    create(_config, setup) {
      return {
        access(ctx) {
          const key = ctx.request.header("apikey");
          if (key === undefined) return undefined;
          const consumer = setup.findConsumer(key.split(":")[0]!);
          if (consumer === undefined) return ctx.error(401, "Unauthorized");
          ctx.authenticate(consumer, { id: `credential-${key}`, collection: "keyauth_credentials", consumerId: consumer.id });
          return undefined;
        },
      };
    },
  });

  const consumers = [
    { id: "c1", username: "alice" },
    { id: "c2", username: "bob" },
  ];

  it("consumer: counts per consumer, so two credentials of one consumer share; anonymous falls back to IP", async () => {
    const harness = await createHarness([authenticator, { plugin: rateLimiting, config: { minute: 6 } }], {
      now: clock().now,
      consumers,
    });
    const alice: ChainResult[] = [];
    for (let index = 0; index < 7; index++) alice.push(await harness.request({ headers: { apikey: index % 2 === 0 ? "alice:1" : "alice:2" } }));
    const bob: ChainResult[] = [];
    for (let index = 0; index < 7; index++) bob.push(await harness.request({ headers: { apikey: "bob:1" } }));
    const anonymous: ChainResult[] = [];
    for (let index = 0; index < 7; index++) anonymous.push(await harness.request());
    await harness.close();
    expectValidateHeaders(alice);
    expectValidateHeaders(bob);
    expectValidateHeaders(anonymous);
  });

  it("credential: counts per credential, so two credentials of one consumer count apart", async () => {
    const harness = await createHarness([authenticator, { plugin: rateLimiting, config: { minute: 6, limit_by: "credential" } }], {
      now: clock().now,
      consumers,
    });
    const first: ChainResult[] = [];
    const second: ChainResult[] = [];
    for (let index = 0; index < 7; index++) first.push(await harness.request({ headers: { apikey: "alice:1" } }));
    for (let index = 0; index < 7; index++) second.push(await harness.request({ headers: { apikey: "alice:2" } }));
    await harness.close();
    expectValidateHeaders(first);
    expectValidateHeaders(second);
  });

  it("a consumer-scoped config applies after authentication and overrides the global one", async () => {
    const harness = await createHarness(
      [
        authenticator,
        { plugin: rateLimiting, config: { minute: 6, limit_by: "ip" } },
        { plugin: rateLimiting, config: { minute: 2, limit_by: "consumer" }, consumer: "alice" },
      ],
      { now: clock().now, consumers },
    );
    const alice: ChainResult[] = [];
    for (let index = 0; index < 3; index++) alice.push(await harness.request({ headers: { apikey: "alice:1" } }));
    const bob: ChainResult[] = [];
    for (let index = 0; index < 7; index++) bob.push(await harness.request({ headers: { apikey: "bob:1" } }));
    await harness.close();
    expect(alice.map((result) => result.status)).toEqual([200, 200, 429]);
    expect(alice.map((result) => result.headers["x-ratelimit-limit-minute"])).toEqual(["2", "2", "2"]);
    expectValidateHeaders(bob);
  });
});

describe("rate-limiting: header_style and window_type", () => {
  it("ietf: RateLimit-Policy and RateLimit structured fields only", async () => {
    const results = await sequence({ minute: 2, hour: 100, limit_by: "ip", header_style: "ietf" }, [{}, {}, {}]);
    expect(results.map((result) => result.status)).toEqual([200, 200, 429]);
    expect(results[0]!.headers["ratelimit-policy"]).toBe('"minute";q=2;w=60, "hour";q=100;w=3600');
    expect(results[0]!.headers.ratelimit).toBe('"minute";r=1;t=45, "hour";r=99;t=3585');
    expect(results[2]!.headers.ratelimit).toBe('"minute";r=0;t=45, "hour";r=98;t=3585');
    expect(results[2]!.headers["retry-after"]).toBe("45");
    expect(rateLimitHeaderNames(results[0]!).sort()).toEqual(["ratelimit", "ratelimit-policy"]);
  });

  it("both: the legacy and the IETF headers together", async () => {
    const [result] = await sequence({ minute: 2, limit_by: "ip", header_style: "both" }, [{}]);
    expect(rateLimitHeaderNames(result!).sort()).toEqual([
      "ratelimit",
      "ratelimit-limit",
      "ratelimit-policy",
      "ratelimit-remaining",
      "ratelimit-reset",
      "x-ratelimit-limit-minute",
      "x-ratelimit-remaining-minute",
    ]);
  });

  it("fixed windows let a burst at the boundary double the rate; sliding windows do not", async () => {
    const burst = async (windowType: "fixed" | "sliding") => {
      const time = clock(Date.UTC(2026, 2, 14, 10, 0, 59, 900));
      const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 10, limit_by: "ip", window_type: windowType } }], {
        now: time.now,
      });
      let admitted = 0;
      for (let index = 0; index < 10; index++) if ((await harness.request()).status === 200) admitted++;
      // Exactly at the boundary: the whole previous window still weighs in.
      time.advance(100);
      for (let index = 0; index < 10; index++) if ((await harness.request()).status === 200) admitted++;
      // Half-way through the next minute, half of the previous window still weighs in.
      time.advance(30_000);
      let later = 0;
      for (let index = 0; index < 10; index++) if ((await harness.request()).status === 200) later++;
      await harness.close();
      return { admitted, later };
    };
    expect(await burst("fixed")).toEqual({ admitted: 20, later: 0 });
    expect(await burst("sliding")).toEqual({ admitted: 10, later: 5 });
  });
});

describe("rate-limiting: config validation (Kong's messages)", () => {
  const refusal = (config: unknown) =>
    runPlugin(rateLimiting, { config }).then(
      () => "accepted",
      (error: unknown) => String(error),
    );

  it("refuses a config without any limit", async () => {
    expect(await refusal({})).toContain(
      "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
    );
  });

  it("refuses the cluster policy in DB-less mode", async () => {
    expect(await refusal({ minute: 1, policy: "cluster" })).toContain("config.policy: expected one of: local, redis");
  });

  it("refuses windows out of order with %.1f formatting", async () => {
    expect(await refusal({ second: 20, hour: 10 })).toContain("The limit for hour(10.0) cannot be lower than the limit for second(20.0)");
    expect(await refusal({ month: 60, year: 50 })).toContain("The limit for year(50.0) cannot be lower than the limit for month(60.0)");
  });

  it("requires header_name, path and redis.host when they are used", async () => {
    expect(await refusal({ minute: 1, limit_by: "header" })).toContain("config.header_name: required field missing");
    expect(await refusal({ minute: 1, limit_by: "path" })).toContain("config.path: required field missing");
    expect(await refusal({ minute: 1, policy: "redis" })).toContain("config.redis.host: required field missing");
  });

  it("checks sync_rate as Kong does", async () => {
    expect(await refusal({ minute: 1, sync_rate: 10 })).toContain("sync_rate can only be used with the redis policy");
    expect(await refusal({ minute: 1, policy: "redis", redis: { host: "127.0.0.1" }, sync_rate: 0.01 })).toContain(
      "sync_rate must be greater than 0.02, or -1 to disable",
    );
  });

  it("refuses limits that are not positive, bad paths and header names, and error codes ctx.error cannot send", async () => {
    expect(await refusal({ minute: 0 })).toContain("config.minute");
    expect(await refusal({ minute: 1, limit_by: "path", path: "//x" })).toContain("config.path");
    expect(await refusal({ minute: 1, limit_by: "header", header_name: "bad header" })).toContain("config.header_name");
    expect(await refusal({ minute: 1, error_code: 200 })).toContain("config.error_code: must be an integer between 400 and 599");
    expect(await refusal({ minute: 1, unknown: true })).toContain("config.unknown: unknown field");
  });

  it("accepts Kong-exported nulls and applies Kong's defaults", async () => {
    const seen: unknown[] = [];
    const probe = definePlugin({
      name: "probe",
      version: "1.0.0",
      priority: 1,
      configSchema: rateLimiting.configSchema,
      create(config) {
        seen.push(config);
        return {};
      },
    });
    await runPlugin(probe, { config: { minute: 5, second: null, header_name: null, redis_host: null } });
    expect(seen[0]).toMatchObject({
      limit_by: "consumer",
      policy: "local",
      fault_tolerant: true,
      hide_client_headers: false,
      error_code: 429,
      error_message: "API rate limit exceeded",
      sync_rate: -1,
      header_style: "kong",
      window_type: "fixed",
      redis: { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false },
    });
  });
});
