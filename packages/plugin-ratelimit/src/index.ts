import rateLimiting from "./plugin.js";

export default rateLimiting;
export { rateLimiting };
export { checkConfig } from "./check-config.js";
export { counterKeyPrefix, unscopedId } from "./counter-key.js";
export type { RateLimitingConfig } from "./config.js";
export type { CounterStore, CountRequest, CountResult } from "./counter-store.js";
export { type Decision, decide } from "./decision.js";
export { rateLimitErrors } from "./errors.js";
export { type HeaderStyle, RateLimitHeaders } from "./headers.js";
export { identifierFor, type LimitBy } from "./identifier.js";
export { MemoryCounterStore } from "./memory-store.js";
export { type ClientPlan, planRedisClient, type RedisSettings, resolveRedisSettings } from "./redis-options.js";
export { countScript, RedisCounterStore } from "./redis-store.js";
export { configSchema } from "./schema.js";
export {
  counterTtlMs,
  nextWindowStart,
  type Period,
  periodSeconds,
  periods,
  previousWeight,
  previousWindowStart,
  resetSeconds,
  windowStart,
} from "./windows.js";
