import { describe, expect, it } from "vitest";
import { checkConfig } from "./check-config.js";
import type { RateLimitingConfig } from "./config.js";

const config = (overrides: Record<string, unknown>) =>
  ({
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
    ...overrides,
  }) as unknown as RateLimitingConfig;

describe("checkConfig", () => {
  it("accepts a valid config", () => {
    expect(checkConfig(config({ second: 1, minute: 1, hour: 2, day: 2, month: 3, year: 3 }))).toEqual([]);
  });
  it("reports only the first window-order violation, as Kong", () => {
    expect(checkConfig(config({ second: 20, minute: 10, hour: 5 }))).toEqual([
      { path: "", message: "The limit for minute(10.0) cannot be lower than the limit for second(20.0)" },
    ]);
  });
  it("checks Redis Cluster and Sentinel settings at load", () => {
    const redis = { port: 6379, timeout: 2000, database: 0, ssl: false, ssl_verify: false };
    expect(checkConfig(config({ minute: 1, policy: "redis", redis: { ...redis, sentinel_nodes: [{ host: "s", port: 1 }] } }))).toEqual([
      { path: "redis.sentinel_master", message: "required field missing" },
    ]);
    expect(checkConfig(config({ minute: 1, policy: "redis", redis: { ...redis, database: 1, cluster_nodes: [{ ip: "c", port: 1 }] } }))).toEqual([
      { path: "redis.database", message: "Redis Cluster has only database 0" },
    ]);
    expect(
      checkConfig(
        config({ minute: 1, policy: "redis", redis: { ...redis, cluster_nodes: [{ ip: "c", port: 1 }], sentinel_nodes: [{ host: "s", port: 1 }] } }),
      ),
    ).toEqual([{ path: "redis", message: "cluster_nodes and sentinel_nodes cannot both be set" }]);
    expect(checkConfig(config({ minute: 1, policy: "redis", redis_host: "from-shorthand" }))).toEqual([]);
  });
});
