import type { PluginSetup } from "@portcullis/sdk";

/** Kong's placeholder for a scope the plugin is not bound to. */
export const unscopedId = "00000000-0000-0000-0000-000000000000";

/**
 * The counter key prefix: the plugin's own scope (not the request's), so a global plugin shares counters across
 * services, as in Kong. A full key is `ratelimit:{<route>:<service>:<identifier>}:<window start ms>:<period>`.
 * The braces are a Redis Cluster hash tag: every key of one request lands in one slot, which the atomic multi-key
 * script needs.
 */
export function counterKeyPrefix(scope: Pick<PluginSetup["scope"], "routeId" | "serviceId">): string {
  return `ratelimit:{${scope.routeId ?? unscopedId}:${scope.serviceId ?? unscopedId}:`;
}
