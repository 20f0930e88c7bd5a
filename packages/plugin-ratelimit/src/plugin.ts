import { type AccessContext, definePlugin, type Exit, type PluginSetup } from "@portcullis/sdk";
import { checkConfig } from "./check-config.js";
import { counterKeyPrefix } from "./counter-key.js";
import type { RateLimitingConfig } from "./config.js";
import type { CounterStore, CountRequest, CountResult } from "./counter-store.js";
import { decide } from "./decision.js";
import { rateLimitErrors } from "./errors.js";
import { RateLimitHeaders } from "./headers.js";
import { identifierFor } from "./identifier.js";
import { throttleLog } from "./log-throttle.js";
import { MemoryCounterStore } from "./memory-store.js";
import { acquireMemoryStore } from "./shared-memory-stores.js";
import { planRedisClient, resolveRedisSettings } from "./redis-options.js";
import { createRedisClient, RedisCounterStore } from "./redis-store.js";
import { configSchema } from "./schema.js";
import {
  counterTtlMs,
  type Period,
  periods,
  previousWeight,
  previousWindowStart,
  resetSeconds,
  windowStart,
} from "./windows.js";

/** How often a repeated store failure may be logged. */
const logIntervalMs = 10_000;

async function createStore(config: RateLimitingConfig, setup: PluginSetup, periodsInOrder: readonly Period[]): Promise<CounterStore> {
  if (config.policy !== "redis") {
    const layout = `${setup.instanceId}\u0000${periodsInOrder.join(",")}\u0000${config.window_type}`;
    return acquireMemoryStore(layout, () => new MemoryCounterStore(periodsInOrder.length, () => setup.now()));
  }
  const settings = resolveRedisSettings(config);
  const throttled = throttleLog(logIntervalMs, () => setup.now());
  const client = createRedisClient(planRedisClient(settings));
  const store = new RedisCounterStore(client, settings.timeout, counterKeyPrefix(setup.scope), periodsInOrder, (error) =>
    throttled(setup.log, "warn", "rate-limiting: redis connection error", { code: rateLimitErrors.STORE_FAILED.code, error: error.message }),
  );
  await store.connect();
  return store;
}

export default definePlugin({
  name: "rate-limiting",
  version: "1.0.0",
  priority: 910,
  configSchema,
  allowConsumerScope: true,
  checkConfig,
  async create(config, setup) {
    const periodsInOrder: Period[] = periods.filter((period) => typeof config[period] === "number");
    const limits = periodsInOrder.map((period) => config[period] as number);
    const count = limits.length;
    const identify = identifierFor(config.limit_by, config.header_name ?? undefined, config.path ?? undefined);
    const sliding = config.window_type === "sliding";
    const headers = config.hide_client_headers ? undefined : new RateLimitHeaders(periodsInOrder, limits, config.header_style);
    const { error_code: errorCode, error_message: errorMessage, fault_tolerant: faultTolerant } = config;
    const failure = rateLimitErrors.STORE_FAILED();
    // Failures are logged on the request's logger (it carries the request id), throttled across requests.
    const throttledWarn = throttleLog(logIntervalMs, () => setup.now());
    const throttledError = throttleLog(logIntervalMs, () => setup.now());
    if (config.sync_rate !== -1) {
      setup.log.warn("rate-limiting: sync_rate is not supported; counting synchronously in redis (as sync_rate -1)", {
        sync_rate: config.sync_rate,
      });
    }
    const store = await createStore(config, setup, periodsInOrder);

    const finish = (ctx: AccessContext, result: CountResult, nowMs: number, starts: readonly number[]): Exit | undefined => {
      const decision = decide(limits, result.usages);
      let retryAfter: string | undefined;
      if (headers !== undefined) {
        const resets: number[] = new Array(count);
        for (let index = 0; index < count; index++) resets[index] = resetSeconds(periodsInOrder[index]!, nowMs, starts[index]!);
        retryAfter = headers.apply(ctx.response, decision, resets);
      }
      if (!decision.blocked) return undefined;
      return retryAfter === undefined ? ctx.error(errorCode, errorMessage) : ctx.error(errorCode, errorMessage, { "Retry-After": retryAfter });
    };

    const fail = (ctx: AccessContext, cause: unknown): Exit | undefined => {
      const fields = { code: failure.code, error: cause instanceof Error ? cause.message : String(cause) };
      if (faultTolerant) {
        throttledWarn(ctx.log, "warn", "rate-limiting: counter store failed; request let through without limiting (fault_tolerant)", fields);
        return undefined;
      }
      throttledError(ctx.log, "error", "rate-limiting: counter store failed; request refused (fault_tolerant is false)", fields);
      return ctx.error(failure.status, failure.message);
    };

    return {
      access(ctx) {
        const nowMs = setup.now();
        const starts: number[] = new Array(count);
        const ttlsMs: number[] = new Array(count);
        const previousStarts: number[] | undefined = sliding ? new Array(count) : undefined;
        const previousWeights: number[] | undefined = sliding ? new Array(count) : undefined;
        for (let index = 0; index < count; index++) {
          const period = periodsInOrder[index]!;
          const start = windowStart(period, nowMs);
          starts[index] = start;
          ttlsMs[index] = counterTtlMs(period, nowMs, start, sliding);
          if (previousStarts !== undefined && previousWeights !== undefined) {
            previousStarts[index] = previousWindowStart(period, start);
            previousWeights[index] = previousWeight(period, nowMs, start);
          }
        }
        const request: CountRequest = { identifier: identify(ctx), starts, limits, ttlsMs, previousStarts, previousWeights, nowMs };
        let outcome: CountResult | Promise<CountResult>;
        try {
          outcome = store.count(request);
        } catch (cause) {
          return fail(ctx, cause);
        }
        if (outcome instanceof Promise) {
          return outcome.then(
            (result) => finish(ctx, result, nowMs, starts),
            (cause: unknown) => fail(ctx, cause),
          );
        }
        return finish(ctx, outcome, nowMs, starts);
      },
      close() {
        return store.close();
      },
    };
  },
});
