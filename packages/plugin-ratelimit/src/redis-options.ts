import type { ClusterOptions, RedisOptions } from "ioredis";
import type { RateLimitingConfig } from "./config.js";

/** The effective Redis settings: `redis.*` with Kong's deprecated `redis_*` shorthands applied over it. */
export interface RedisSettings {
  readonly host: string | undefined;
  readonly port: number;
  readonly timeout: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly database: number;
  readonly ssl: boolean;
  readonly sslVerify: boolean;
  readonly serverName: string | undefined;
  readonly clusterNodes: readonly { readonly host: string; readonly port: number }[] | undefined;
  readonly sentinelNodes: readonly { readonly host: string; readonly port: number }[] | undefined;
  readonly sentinelMaster: string | undefined;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
}

const present = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** Kong translates each shorthand into its `redis.*` field before validation, so a shorthand that is set wins. */
export function resolveRedisSettings(config: RateLimitingConfig): RedisSettings {
  const redis = config.redis;
  const clusterNodes = present(redis.cluster_nodes);
  const sentinelNodes = present(redis.sentinel_nodes);
  return {
    host: present(config.redis_host) ?? present(redis.host),
    port: present(config.redis_port) ?? redis.port,
    timeout: present(config.redis_timeout) ?? redis.timeout,
    username: present(config.redis_username) ?? present(redis.username),
    password: present(config.redis_password) ?? present(redis.password),
    database: present(config.redis_database) ?? redis.database,
    ssl: present(config.redis_ssl) ?? redis.ssl,
    sslVerify: present(config.redis_ssl_verify) ?? redis.ssl_verify,
    serverName: present(config.redis_server_name) ?? present(redis.server_name),
    clusterNodes: clusterNodes?.map((node) => ({ host: node.ip, port: node.port })),
    sentinelNodes: sentinelNodes?.map((node) => ({ host: node.host, port: node.port })),
    sentinelMaster: present(redis.sentinel_master),
    sentinelUsername: present(redis.sentinel_username),
    sentinelPassword: present(redis.sentinel_password),
  };
}

export type ClientPlan =
  | { readonly mode: "standalone"; readonly options: RedisOptions }
  | { readonly mode: "sentinel"; readonly options: RedisOptions }
  | { readonly mode: "cluster"; readonly nodes: readonly { host: string; port: number }[]; readonly options: ClusterOptions };

/** Reconnect fast and forever: recovery after an outage must need no restart. */
export function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, 1000);
}

/**
 * ioredis options that never let a request wait on Redis longer than `timeout`: no offline queue (commands fail at
 * once while disconnected), no per-command retries, and a command timeout. `lazyConnect` lets the store attach its
 * error handler before the first connection attempt.
 */
export function planRedisClient(settings: RedisSettings): ClientPlan {
  const tls = settings.ssl
    ? { rejectUnauthorized: settings.sslVerify, ...(settings.serverName === undefined ? {} : { servername: settings.serverName }) }
    : undefined;
  const connection = {
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(tls === undefined ? {} : { tls }),
    connectTimeout: settings.timeout,
    commandTimeout: settings.timeout,
    maxRetriesPerRequest: 0,
  };
  if (settings.clusterNodes !== undefined) {
    return {
      mode: "cluster",
      nodes: settings.clusterNodes.map((node) => ({ host: node.host, port: node.port })),
      options: {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: settings.timeout,
        redisOptions: connection,
      },
    };
  }
  if (settings.sentinelNodes !== undefined) {
    return {
      mode: "sentinel",
      options: {
        ...connection,
        sentinels: settings.sentinelNodes.map((node) => ({ host: node.host, port: node.port })),
        name: settings.sentinelMaster,
        role: "master",
        ...(settings.sentinelUsername === undefined ? {} : { sentinelUsername: settings.sentinelUsername }),
        ...(settings.sentinelPassword === undefined ? {} : { sentinelPassword: settings.sentinelPassword }),
        sentinelRetryStrategy: reconnectDelay,
        db: settings.database,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy: reconnectDelay,
      },
    };
  }
  return {
    mode: "standalone",
    options: {
      ...connection,
      host: settings.host,
      port: settings.port,
      db: settings.database,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: reconnectDelay,
    },
  };
}
