import { LRUCache } from "lru-cache";

/**
 * Remembers accepted signatures for as long as they could still pass the clock check. A signature dated up to
 * `clock_skew` in the future stays valid until `clock_skew` after that, so entries live for twice the skew.
 */
export class ReplayCache {
  readonly #seen: LRUCache<string, true>;

  constructor(options: { readonly clockSkewSeconds: number; readonly maxEntries: number; readonly now: () => number }) {
    this.#seen = new LRUCache<string, true>({
      max: options.maxEntries,
      ttl: Math.ceil(options.clockSkewSeconds * 2000),
      // The plugin clock is read on every check (no cached "now"), so a faked clock in tests is honoured.
      ttlResolution: 0,
      perf: { now: options.now },
    });
  }

  /** Records `key` and returns true, or returns false when it was already recorded and has not expired. */
  claim(key: string): boolean {
    if (this.#seen.has(key)) return false;
    this.#seen.set(key, true);
    return true;
  }

  clear(): void {
    this.#seen.clear();
  }
}
