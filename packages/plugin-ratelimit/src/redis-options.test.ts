import { describe, expect, it } from "vitest";
import type { RateLimitingConfig } from "./config.js";
import { planRedisClient, reconnectDelay, resolveRedisSettings } from "./redis-options.js";

const base = {
  minute: 1,
  limit_by: "consumer",
  policy: "redis",
  fault_tolerant: true,
  hide_client_headers: false,
  error_code: 429,
  error_message: "API rate limit exceeded",
  sync_rate: -1,
  header_style: "kong",
  window_type: "fixed",
} as const;
const redisDefaults = { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false };

const config = (overrides: Record<string, unknown>, redis: Record<string, unknown> = {}) =>
  ({ ...base, ...overrides, redis: { ...redisDefaults, ...redis } }) as unknown as RateLimitingConfig;

describe("resolveRedisSettings", () => {
  it("maps Kong's deprecated redis_* shorthands onto redis.*, the shorthand winning", () => {
    const settings = resolveRedisSettings(
      config(
        {
          redis_host: "shorthand",
          redis_port: 6380,
          redis_password: "secret",
          redis_username: "user",
          redis_ssl: true,
          redis_ssl_verify: true,
          redis_server_name: "redis.example",
          redis_timeout: 100,
          redis_database: 3,
        },
        { host: "record" },
      ),
    );
    expect(settings).toMatchObject({
      host: "shorthand",
      port: 6380,
      password: "secret",
      username: "user",
      ssl: true,
      sslVerify: true,
      serverName: "redis.example",
      timeout: 100,
      database: 3,
    });
  });
  it("treats Kong-exported nulls as unset", () => {
    expect(resolveRedisSettings(config({ redis_host: null }, { host: "record", password: null })).host).toBe("record");
  });
});

describe("planRedisClient", () => {
  it("standalone: host, port, auth, database, TLS, timeouts, no offline queue, no retries", () => {
    const plan = planRedisClient(
      resolveRedisSettings(
        config({}, { host: "10.0.0.1", port: 6390, username: "u", password: "p", database: 2, ssl: true, ssl_verify: true, server_name: "sni", timeout: 250 }),
      ),
    );
    expect(plan).toEqual({
      mode: "standalone",
      options: {
        host: "10.0.0.1",
        port: 6390,
        username: "u",
        password: "p",
        db: 2,
        tls: { rejectUnauthorized: true, servername: "sni" },
        connectTimeout: 250,
        commandTimeout: 250,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        lazyConnect: true,
        retryStrategy: reconnectDelay,
      },
    });
  });
  it("cluster: seed nodes and per-node options", () => {
    const plan = planRedisClient(resolveRedisSettings(config({}, { cluster_nodes: [{ ip: "10.0.0.1", port: 7000 }, { ip: "10.0.0.2", port: 7001 }], password: "p" })));
    expect(plan.mode).toBe("cluster");
    if (plan.mode !== "cluster") return;
    expect(plan.nodes).toEqual([
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
    ]);
    expect(plan.options).toMatchObject({
      enableOfflineQueue: false,
      lazyConnect: true,
      slotsRefreshTimeout: 2000,
      redisOptions: { password: "p", connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 0 },
    });
  });
  it("sentinel: sentinels, master name, sentinel credentials", () => {
    const plan = planRedisClient(
      resolveRedisSettings(
        config({}, { sentinel_nodes: [{ host: "s1", port: 26379 }], sentinel_master: "mymaster", sentinel_password: "sp", sentinel_username: "su", database: 1 }),
      ),
    );
    expect(plan).toMatchObject({
      mode: "sentinel",
      options: {
        sentinels: [{ host: "s1", port: 26379 }],
        name: "mymaster",
        role: "master",
        sentinelUsername: "su",
        sentinelPassword: "sp",
        db: 1,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      },
    });
  });
  it("reconnects forever with a delay capped at one second", () => {
    expect([1, 5, 50].map(reconnectDelay)).toEqual([100, 500, 1000]);
  });
});
