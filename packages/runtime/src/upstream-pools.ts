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
  readonly #pools = new Map<string, Pool>();

  constructor(private readonly connections = 128) {}

  get(origin: string, options: PoolOptions): Pool {
    const key = `${origin}\u0000${options.connectTimeout}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: options.connections ?? this.connections,
        connect: { timeout: options.connectTimeout },
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 600_000,
        pipelining: 1,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools whose origin is no longer used by the live config. */
  async retain(origins: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, pool] of this.#pools) {
      if (!origins.has(key.slice(0, key.indexOf("\u0000")))) {
        this.#pools.delete(key);
        closing.push(pool.close().catch(() => undefined));
      }
    }
    await Promise.all(closing);
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }
}
