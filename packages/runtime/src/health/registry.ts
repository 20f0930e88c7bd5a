import type { TargetEntity, UpstreamEntity } from "../config/types.js";
import { type RuntimeLogger, silentLogger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { ActiveHealthChecker, type ProbeTarget } from "./active-checker.js";
import { type BreakerOptions, type CircuitState, defaultBreakerOptions } from "./circuit-breaker.js";
import { HealthPolicy } from "./health-policy.js";
import { TargetState, type TargetStateListener } from "./target-state.js";

export interface TargetRegistryOptions {
  readonly logger?: RuntimeLogger;
  readonly metrics?: Metrics;
  /** Epoch milliseconds for circuit cool-downs; default Date.now. */
  readonly now?: () => number;
  readonly breaker?: Partial<BreakerOptions>;
}

interface SharedChecker {
  readonly checker: ActiveHealthChecker;
  references: number;
}

/**
 * The gateway-level home of target state, keyed by upstream name and `host:port`: snapshots come and go with
 * reloads, health and circuits stay for the targets that remain. Active checkers are shared the same way, by
 * upstream, settings and target list, and run while some live snapshot uses them.
 */
export class TargetRegistry implements TargetStateListener {
  readonly now: () => number;
  /** Bumped on every health change: selectors cache their upstream-threshold verdicts against it. */
  epoch = 0;
  /** Circuits not closed right now: while there are none, picks skip reading the clock. */
  openCircuits = 0;
  readonly #logger: RuntimeLogger;
  readonly #metrics: Metrics | undefined;
  readonly #breaker: BreakerOptions;
  readonly #states = new Map<string, TargetState>();
  readonly #policies = new Map<string, HealthPolicy>();
  readonly #checkers = new Map<string, SharedChecker>();

  constructor(options: TargetRegistryOptions = {}) {
    this.now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
    this.#metrics = options.metrics;
    this.#breaker = { ...defaultBreakerOptions, ...options.breaker };
  }

  static key(upstream: string, target: TargetEntity): string {
    return `${upstream}\u0000${target.host}:${target.port}`;
  }

  #policy(upstream: UpstreamEntity): HealthPolicy {
    const fingerprint = JSON.stringify(upstream.healthchecks);
    let policy = this.#policies.get(fingerprint);
    if (policy === undefined) {
      policy = new HealthPolicy(upstream.healthchecks);
      this.#policies.set(fingerprint, policy);
    }
    return policy;
  }

  /** The state of one target, created on first use and brought to the upstream's current settings. */
  state(upstream: UpstreamEntity, target: TargetEntity): TargetState {
    const key = TargetRegistry.key(upstream.name, target);
    const policy = this.#policy(upstream);
    let state = this.#states.get(key);
    if (state === undefined) {
      state = new TargetState(key, upstream.name, `${target.host}:${target.port}`, policy, this.#breaker, this);
      this.#states.set(key, state);
    } else state.configure(policy);
    return state;
  }

  /** Starts (or shares) the active checker of an upstream; returns the function that gives it back. */
  acquireChecker(upstream: UpstreamEntity, targets: readonly ProbeTarget[]): (() => void) | undefined {
    const { healthy, unhealthy } = upstream.healthchecks.active;
    if (healthy.interval <= 0 && unhealthy.interval <= 0) return undefined;
    const key = `${upstream.name}\u0000${JSON.stringify(upstream.healthchecks.active)}\u0000${upstream.hostHeader ?? ""}\u0000${targets.map((target) => target.state.key).join(",")}`;
    let shared = this.#checkers.get(key);
    if (shared === undefined) {
      shared = { checker: new ActiveHealthChecker(upstream, targets), references: 0 };
      shared.checker.start();
      this.#checkers.set(key, shared);
    }
    shared.references++;
    const entry = shared;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--entry.references > 0) return;
      entry.checker.stop();
      if (this.#checkers.get(key) === entry) this.#checkers.delete(key);
    };
  }

  /** Active checkers running now. */
  get checkerCount(): number {
    return this.#checkers.size;
  }

  /** Forgets targets no live snapshot uses. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#states.keys()) if (!keys.has(key)) this.#states.delete(key);
    let open = 0;
    for (const state of this.#states.values()) if (state.breaker.state !== "closed") open++;
    this.openCircuits = open;
  }

  close(): void {
    for (const shared of this.#checkers.values()) shared.checker.stop();
    this.#checkers.clear();
  }

  healthChanged(state: TargetState, healthy: boolean, reason: string): void {
    this.epoch++;
    const fields = { upstream: state.upstream, target: state.address, reason };
    if (healthy) this.#logger.info("target is healthy again", fields);
    else this.#logger.warn("target marked unhealthy", fields);
    this.#metrics?.recordHealthChange(`${state.upstream}/${state.address}`, healthy ? "healthy" : "unhealthy");
  }

  circuitChanged(state: TargetState, circuit: CircuitState, previous: CircuitState): void {
    if (previous === "closed") this.openCircuits++;
    else if (circuit === "closed") this.openCircuits--;
    const fields = { upstream: state.upstream, target: state.address, circuit };
    if (circuit === "open") this.#logger.warn("target circuit opened", fields);
    else this.#logger.info(circuit === "closed" ? "target circuit closed" : "target circuit half-open: probing", fields);
    this.#metrics?.recordHealthChange(`${state.upstream}/${state.address}`, `circuit_${circuit.replace("-", "_")}`);
  }
}
