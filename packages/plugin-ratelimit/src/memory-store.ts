import { type CounterStore, type CountRequest, type CountResult, slidingUsage } from "./counter-store.js";

/** One identifier's counters, one slot per configured limit. */
interface Entry {
  readonly starts: number[];
  readonly values: number[];
  readonly previousValues: number[];
  expiresAt: number;
}

const sweepIntervalMs = 60_000;

/**
 * The `local` policy: counters in this process, one map entry per identifier, so a request costs one lookup on a
 * string the runtime already holds. Windows roll over in place, keeping the previous count for the sliding window.
 * Expiry follows the plugin's clock (`setup.now`), so a faked clock expires counters too.
 * rate-limiter-flexible's `RateLimiterMemory` is not used: its expiry timer overflows past 24.8 days (a `setTimeout`
 * limit), which would drop month and year counters after 1 ms.
 */
export class MemoryCounterStore implements CounterStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #size: number;

  /** `size` is the number of configured limits. */
  constructor(size: number, now: () => number) {
    this.#size = size;
    this.#now = now;
    this.#sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  count(request: CountRequest): CountResult {
    const { identifier, starts, limits, previousStarts, previousWeights, nowMs } = request;
    let entry = this.#entries.get(identifier);
    if (entry !== undefined && entry.expiresAt <= nowMs) entry = undefined;
    const usages: number[] = new Array(this.#size);
    let admitted = true;
    for (let index = 0; index < this.#size; index++) {
      let usage = 0;
      let previous = 0;
      if (entry !== undefined) {
        const start = entry.starts[index]!;
        if (start === starts[index]) {
          usage = entry.values[index]!;
          previous = entry.previousValues[index]!;
        } else if (previousStarts !== undefined && start === previousStarts[index]) {
          previous = entry.values[index]!;
        }
      }
      if (previousWeights !== undefined) usage = slidingUsage(usage, previous, previousWeights[index]!);
      usages[index] = usage;
      if (usage >= limits[index]!) admitted = false;
    }
    if (!admitted) return { usages, admitted };
    if (entry === undefined) {
      entry = { starts: [...starts], values: new Array(this.#size).fill(1), previousValues: new Array(this.#size).fill(0), expiresAt: 0 };
      this.#entries.set(identifier, entry);
    } else {
      for (let index = 0; index < this.#size; index++) {
        const start = starts[index]!;
        if (entry.starts[index] === start) {
          entry.values[index]!++;
          continue;
        }
        entry.previousValues[index] = previousStarts !== undefined && entry.starts[index] === previousStarts[index] ? entry.values[index]! : 0;
        entry.starts[index] = start;
        entry.values[index] = 1;
      }
    }
    for (let index = 0; index < this.#size; index++) {
      const expiresAt = nowMs + request.ttlsMs[index]!;
      if (expiresAt > entry.expiresAt) entry.expiresAt = expiresAt;
    }
    return { usages, admitted };
  }

  /** Drops expired identifiers; runs on a timer so that idle identifiers do not accumulate. */
  sweep(): void {
    const nowMs = this.#now();
    for (const [identifier, entry] of this.#entries) if (entry.expiresAt <= nowMs) this.#entries.delete(identifier);
  }

  get size(): number {
    return this.#entries.size;
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }
}
