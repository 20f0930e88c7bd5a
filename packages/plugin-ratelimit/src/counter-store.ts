/**
 * What a policy's store does for one request, atomically: read the usage of every configured window (for the sliding
 * window, plus the weighted previous window), admit the request only if every window has room, and count it only
 * when admitted. So a blocked request is never counted (Kong's local policy) and gateways sharing a store admit
 * exactly the limit.
 */
export interface CountRequest {
  /** Who is counted (consumer id, IP, ...); the store adds the plugin's scope. */
  readonly identifier: string;
  /** Per configured limit, in period order: the start of the current window. */
  readonly starts: readonly number[];
  readonly limits: readonly number[];
  /** How long each counter must live once created. */
  readonly ttlsMs: readonly number[];
  /** Sliding window only: the previous window's start per limit, and the weight of its count. */
  readonly previousStarts: readonly number[] | undefined;
  readonly previousWeights: readonly number[] | undefined;
  readonly nowMs: number;
}

export interface CountResult {
  /** Per limit, the usage before this request. */
  readonly usages: readonly number[];
  readonly admitted: boolean;
}

export interface CounterStore {
  count(request: CountRequest): CountResult | Promise<CountResult>;
  close(): void | Promise<void>;
}

/** The sliding estimate: the current count plus the previous window's count scaled by its overlap, rounded down. */
export function slidingUsage(current: number, previous: number, weight: number): number {
  return current + Math.floor(previous * weight);
}
