import { type BreakerOptions, CircuitBreaker, type CircuitState } from "./circuit-breaker.js";
import { HealthCounters, type HealthOutcome } from "./health-counters.js";
import type { HealthPolicy } from "./health-policy.js";

export interface TargetStateListener {
  healthChanged(state: TargetState, healthy: boolean, reason: string): void;
  circuitChanged(state: TargetState, circuit: CircuitState, previous: CircuitState): void;
}

/**
 * Everything the gateway knows about one target of one upstream: health (active and passive), its circuit, the
 * requests in flight and its latency. It lives in the gateway's registry, so it outlives config snapshots: a
 * reload keeps it for every target that remains, and in-flight requests of an old snapshot still count.
 */
export class TargetState {
  healthy = true;
  /** Requests in flight (least-connections, latency). */
  active = 0;
  /** Peak-EWMA latency in milliseconds and when it was last updated (performance.now()), for the latency balancer. */
  latency = 0;
  latencyStamp = 0;
  readonly breaker: CircuitBreaker;
  readonly #passive = new HealthCounters();
  readonly #active = new HealthCounters();

  constructor(
    /** `upstream name` NUL `host:port`. */
    readonly key: string,
    readonly upstream: string,
    /** `host:port`. */
    readonly address: string,
    public policy: HealthPolicy,
    breakerOptions: BreakerOptions,
    private readonly listener: TargetStateListener,
  ) {
    this.breaker = new CircuitBreaker(breakerOptions, (circuit, previous) => listener.circuitChanged(this, circuit, previous));
  }

  isAvailable(now: number): boolean {
    return this.healthy && this.breaker.allows(now);
  }

  acquire(now: number): void {
    this.active++;
    this.breaker.acquire(now);
  }

  release(): void {
    if (this.active > 0) this.active--;
    this.breaker.release();
  }

  /** The target answered (a response head arrived). */
  recordStatus(status: number): void {
    this.breaker.succeed();
    const policy = this.policy;
    if (!policy.passiveEnabled) return;
    const outcome = policy.passiveOutcome(status);
    if (outcome !== undefined) this.#apply(this.#passive, outcome, false, `passive: HTTP ${status}`);
  }

  /** The attempt failed in transport: `connect`, `timeout`, `reset` or `invalid_response`. */
  recordFailure(kind: string, now: number): void {
    this.breaker.fail(now);
    if (!this.policy.passiveEnabled) return;
    this.#apply(this.#passive, kind === "timeout" ? "timeout" : "tcp", false, `passive: ${kind}`);
  }

  recordProbe(outcome: HealthOutcome, detail: string): void {
    this.#apply(this.#active, outcome, true, `active: ${detail}`);
  }

  /** A new config brought different health check settings: Kong rebuilds the balancer then, so health starts over. */
  configure(policy: HealthPolicy): void {
    if (policy === this.policy) return;
    this.policy = policy;
    this.#passive.reset();
    this.#active.reset();
    if (!this.healthy) this.#set(true, "health check settings changed");
  }

  #apply(counters: HealthCounters, outcome: HealthOutcome, active: boolean, reason: string): void {
    const limits = active ? this.policy.active : this.policy.passive;
    const next = counters.apply(outcome, this.healthy, limits);
    if (next !== undefined) this.#set(next, reason);
  }

  #set(healthy: boolean, reason: string): void {
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    // Counters of the other kind start over: Kong shares one counter set per target between both kinds.
    this.#passive.reset();
    this.#active.reset();
    this.listener.healthChanged(this, healthy, reason);
  }
}
