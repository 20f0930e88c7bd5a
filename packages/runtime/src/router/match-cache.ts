/**
 * A bounded cache with two generations: lookups hit the current map, then the previous one (promoting the entry);
 * when the current map is full it becomes the previous one and the oldest generation is dropped at once. This is
 * an approximate LRU with O(1) work per call and no per-entry bookkeeping, which matters on the request path.
 * It holds at most `2 × generationSize` entries.
 */
export class MatchCache<Value> {
  private current = new Map<string, Value>();
  private previous = new Map<string, Value>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  get(key: string): Value | undefined {
    const value = this.current.get(key);
    if (value !== undefined) return value;
    const older = this.previous.get(key);
    if (older !== undefined) this.set(key, older);
    return older;
  }

  set(key: string, value: Value): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
