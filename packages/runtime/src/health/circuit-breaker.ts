export type CircuitState = "closed" | "open" | "half-open";

/**
 * Kong has no circuit breaker and its config schema has no field for one, so these are fixed defaults (overridable
 * only by embedders through the gateway's target registry, for tests).
 */
export interface BreakerOptions {
  /** Consecutive transport failures (connect, timeout, reset) that open the circuit. */
  readonly failureThreshold: number;
  /** Milliseconds an open circuit waits before letting one probing request through (half-open). */
  readonly coolDownMs: number;
}

export const defaultBreakerOptions: BreakerOptions = { failureThreshold: 5, coolDownMs: 10_000 };

/**
 * A per-target circuit breaker: closed until `failureThreshold` consecutive transport failures, then open (no
 * traffic) for `coolDownMs`; then half-open, where exactly one request goes through. Its success closes the circuit,
 * its failure opens it for another cool-down. Any upstream response counts as a success: status-based ejection is
 * the passive health check's job, configured per upstream.
 */
export class CircuitBreaker {
  state: CircuitState = "closed";
  failures = 0;
  openedAt = 0;
  /** In half-open: the single probing request is in flight. */
  probing = false;

  constructor(
    private readonly options: BreakerOptions,
    private readonly changed: (state: CircuitState, previous: CircuitState) => void,
  ) {}

  /** Whether a request may go to the target now; pure, so balancers can ask while comparing candidates. */
  allows(now: number): boolean {
    if (this.state === "closed") return true;
    if (this.state === "open") return now - this.openedAt >= this.options.coolDownMs;
    return !this.probing;
  }

  /** A request was sent to the target: past the cool-down it becomes the half-open probe. */
  acquire(now: number): void {
    if (this.state === "closed") return;
    if (this.state === "open") {
      if (now - this.openedAt < this.options.coolDownMs) return;
      this.probing = true;
      this.#move("half-open");
      return;
    }
    this.probing = true;
  }

  succeed(): void {
    this.failures = 0;
    if (this.state === "closed") return;
    this.probing = false;
    this.#move("closed");
  }

  fail(now: number): void {
    if (this.state === "half-open") return this.#open(now);
    if (this.state === "open") return;
    if (++this.failures >= this.options.failureThreshold) this.#open(now);
  }

  /** An attempt ended. A half-open probe that ended without an outcome (the client left) frees the slot. */
  release(): void {
    if (this.state === "half-open") this.probing = false;
  }

  #open(now: number): void {
    this.openedAt = now;
    this.probing = false;
    this.failures = 0;
    this.#move("open");
  }

  #move(next: CircuitState): void {
    const previous = this.state;
    this.state = next;
    this.changed(next, previous);
  }
}
