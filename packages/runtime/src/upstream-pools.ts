import { Pool } from "undici";

export interface PoolOptions {
  readonly connectTimeout: number;
  /** Connections per target origin. */
  readonly connections?: number;
}

/**
 * One keep-alive undici Pool per target origin (and connect timeout), shared by every config snapshot, so that a
 * reload keeps warm connections to the targets that remain.
 */
export class UpstreamPools {
  /** By origin, then by connect timeout: looked up per request, so no key string is built for it. */
  readonly #pools = new Map<string, Map<number, Pool>>();

  constructor(private readonly connections = 128) {}

  get(origin: string, options: PoolOptions): Pool {
    let byTimeout = this.#pools.get(origin);
    if (byTimeout === undefined) {
      byTimeout = new Map();
      this.#pools.set(origin, byTimeout);
    }
    let pool = byTimeout.get(options.connectTimeout);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: options.connections ?? this.connections,
        connect: { timeout: options.connectTimeout },
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 600_000,
        pipelining: 1,
      });
      byTimeout.set(options.connectTimeout, pool);
    }
    return pool;
  }

  /** Closes pools whose origin is no longer used by the live config. */
  async retain(origins: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [origin, byTimeout] of this.#pools) {
      if (origins.has(origin)) continue;
      this.#pools.delete(origin);
      for (const pool of byTimeout.values()) closing.push(pool.close().catch(() => undefined));
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()].flatMap((byTimeout) => [...byTimeout.values()]);
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }
}
