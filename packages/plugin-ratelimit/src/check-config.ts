import type { ConfigIssue } from "@portcullis/sdk";
import type { RateLimitingConfig } from "./config.js";
import { resolveRedisSettings } from "./redis-options.js";
import { periods } from "./windows.js";

const atLeastOne = `at least one of these fields must be non-empty: ${periods.map((period) => `'config.${period}'`).join(", ")}`;

/** Kong's entity checks (`schema.lua`), with Kong's messages, plus the checks for what Kong finds out per request. */
export function checkConfig(config: RateLimitingConfig): readonly ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const limits = periods.map((period) => config[period]);
  if (limits.every((limit) => typeof limit !== "number")) issues.push({ path: "", message: atLeastOne });
  orderCheck: for (let lower = 0; lower < periods.length; lower++) {
    const lowerLimit = limits[lower];
    if (typeof lowerLimit !== "number") continue;
    for (let upper = lower + 1; upper < periods.length; upper++) {
      const upperLimit = limits[upper];
      if (typeof upperLimit === "number" && upperLimit < lowerLimit) {
        issues.push({
          path: "",
          message: `The limit for ${periods[upper]}(${upperLimit.toFixed(1)}) cannot be lower than the limit for ${periods[lower]}(${lowerLimit.toFixed(1)})`,
        });
        break orderCheck;
      }
    }
  }
  if (config.limit_by === "header" && (config.header_name ?? undefined) === undefined) {
    issues.push({ path: "header_name", message: "required field missing" });
  }
  if (config.limit_by === "path" && (config.path ?? undefined) === undefined) {
    issues.push({ path: "path", message: "required field missing" });
  }
  if (config.policy === "redis") {
    const redis = resolveRedisSettings(config);
    if (redis.clusterNodes !== undefined && redis.sentinelNodes !== undefined) {
      issues.push({ path: "redis", message: "cluster_nodes and sentinel_nodes cannot both be set" });
    } else if (redis.clusterNodes !== undefined) {
      if (redis.database !== 0) issues.push({ path: "redis.database", message: "Redis Cluster has only database 0" });
    } else if (redis.sentinelNodes !== undefined) {
      if (redis.sentinelMaster === undefined) issues.push({ path: "redis.sentinel_master", message: "required field missing" });
    } else if (redis.host === undefined) {
      issues.push({ path: "redis.host", message: "required field missing" });
    }
  }
  if (config.sync_rate !== -1) {
    if (config.policy !== "redis") issues.push({ path: "sync_rate", message: "sync_rate can only be used with the redis policy" });
    else if (config.sync_rate < 0.02) issues.push({ path: "sync_rate", message: "sync_rate must be greater than 0.02, or -1 to disable" });
  }
  if (!Number.isInteger(config.error_code) || config.error_code < 400 || config.error_code > 599) {
    issues.push({ path: "error_code", message: "must be an integer between 400 and 599" });
  }
  return issues;
}
