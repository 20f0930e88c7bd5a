import { performance } from "node:perf_hooks";
import type { Balancer, BalancerEntry, BalancerRequest, TriedTarget } from "./balancer/balancer.js";
import { createConsistentHashing } from "./balancer/consistent-hashing.js";
import { hashSources } from "./balancer/hash-key.js";
import { createLatency, observeLatency } from "./balancer/latency.js";
import { createLeastConnections } from "./balancer/least-connections.js";
import { createRoundRobin } from "./balancer/round-robin.js";
import type { ServiceEntity, TargetEntity, UpstreamEntity } from "./config/types.js";
import type { CircuitState } from "./health/circuit-breaker.js";
import { TargetRegistry } from "./health/registry.js";
import type { TargetState } from "./health/target-state.js";

export interface TargetSelection {
  /** `http://host:port`, the key of the connection pool. */
  readonly origin: string;
  /** The Host header sent upstream when the route does not preserve the client's. */
  readonly hostHeader: string;
  readonly target: TargetEntity | undefined;
  /** The target's live state; undefined for a service that names a host rather than an upstream. */
  readonly state?: TargetState | undefined;
  /** performance.now() at the pick, for the latency balancer's samples. */
  readonly startedAt?: number;
}

/** One target's line in the admin `/status`. */
export interface TargetStatus {
  readonly upstream: string;
  readonly target: string;
  readonly weight: number;
  readonly health: "healthy" | "unhealthy";
  readonly circuit: CircuitState;
  readonly inflight: number;
}

function formatHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function fixedSelection(scheme: string, host: string, port: number): TargetSelection {
  const defaultPort = scheme === "https" ? 443 : 80;
  const authority = port === defaultPort ? formatHost(host) : `${formatHost(host)}:${port}`;
  return { origin: `${scheme}://${formatHost(host)}:${port}`, hostHeader: authority, target: undefined };
}

/** A selection object per target, made once: picks return it without allocating. */
class BalancedSelection implements TargetSelection, BalancerEntry {
  readonly origin: string;
  readonly hostHeader: string;
  readonly weight: number;

  constructor(
    scheme: string,
    readonly target: TargetEntity,
    hostHeader: string | undefined,
    readonly state: TargetState,
  ) {
    const fixed = fixedSelection(scheme, target.host, target.port);
    this.origin = fixed.origin;
    this.hostHeader = hostHeader ?? fixed.hostHeader;
    this.weight = target.weight;
  }
}

/** The latency balancer needs each attempt's start: one small object per pick, only for that algorithm. */
class TimedSelection implements TargetSelection {
  readonly startedAt = performance.now();
  constructor(
    readonly origin: string,
    readonly hostHeader: string,
    readonly target: TargetEntity,
    readonly state: TargetState,
  ) {}
}

class BalancedService {
  #thresholdEpoch = -1;
  #thresholdMet = true;

  constructor(
    readonly upstream: UpstreamEntity,
    readonly entries: readonly BalancedSelection[],
    readonly balancer: Balancer,
    readonly timed: boolean,
    private readonly registry: TargetRegistry,
  ) {}

  /** Kong's `healthchecks.threshold`: below this percentage of healthy weight the whole upstream is unavailable. */
  thresholdMet(): boolean {
    const threshold = this.upstream.healthchecks.threshold;
    if (threshold === 0) return true;
    if (this.#thresholdEpoch !== this.registry.epoch) {
      this.#thresholdEpoch = this.registry.epoch;
      let total = 0;
      let healthy = 0;
      for (const entry of this.entries) {
        total += entry.weight;
        if (entry.state.healthy) healthy += entry.weight;
      }
      this.#thresholdMet = total > 0 && (healthy * 100) / total >= threshold;
    }
    return this.#thresholdMet;
  }
}

/**
 * Picks the target of each proxied request, compiled per config snapshot: a service naming a host always gets that
 * host; a service naming an upstream gets one of its targets by the upstream's algorithm, skipping unhealthy targets,
 * open circuits and (for a retry) the targets the request already tried. Target state lives in the gateway's
 * registry, so it survives reloads.
 */
export class TargetSelector {
  readonly #fixed = new Map<string, TargetSelection>();
  readonly #balanced = new Map<string, BalancedService>();
  readonly #states = new Map<TargetState, { upstream: UpstreamEntity; target: TargetEntity }>();
  readonly #releaseCheckers: (() => void)[] = [];
  readonly #now: () => number;
  readonly origins = new Set<string>();

  constructor(
    services: readonly ServiceEntity[],
    upstreams: ReadonlyMap<string, UpstreamEntity>,
    readonly registry: TargetRegistry = new TargetRegistry(),
  ) {
    this.#now = registry.now;
    for (const upstream of upstreams.values()) {
      const probes = upstream.targets.map((target) => {
        const state = registry.state(upstream, target);
        this.#states.set(state, { upstream, target });
        return { state, host: target.host, port: target.port };
      });
      const release = registry.acquireChecker(upstream, probes);
      if (release !== undefined) this.#releaseCheckers.push(release);
    }
    for (const service of services) {
      const scheme = service.protocol === "https" || service.protocol === "grpcs" ? "https" : "http";
      const upstream = upstreams.get(service.host);
      if (upstream === undefined) {
        const fixed = fixedSelection(scheme, service.host, service.port);
        this.#fixed.set(service.id, fixed);
        this.origins.add(fixed.origin);
        continue;
      }
      const entries = upstream.targets.map((target) => new BalancedSelection(scheme, target, upstream.hostHeader, registry.state(upstream, target)));
      for (const entry of entries) if (entry.weight > 0) this.origins.add(entry.origin);
      this.#balanced.set(service.id, new BalancedService(upstream, entries, createBalancer(upstream, entries), upstream.algorithm === "latency", registry));
    }
  }

  /** The registry keys of this snapshot's targets, so the gateway can forget the others after a reload. */
  get keys(): IterableIterator<string> {
    return [...this.#states.keys()].map((state) => state.key).values();
  }

  select(service: ServiceEntity, request: BalancerRequest | undefined): TargetSelection | undefined {
    const fixed = this.#fixed.get(service.id);
    if (fixed !== undefined) return fixed;
    const balanced = this.#balanced.get(service.id);
    if (balanced === undefined || !balanced.thresholdMet()) return undefined;
    // Reading the clock costs more than the pick itself on some hosts; only open circuits need it.
    const now = this.registry.openCircuits === 0 ? 0 : this.#now();
    const tried = request?.triedTargets;
    let index = balanced.balancer.pick(request, now, tried);
    // Every target was tried already: a connect retry may go back to one (the exchange decides whether to retry).
    if (index === -1 && tried !== undefined && tried.length > 0) index = balanced.balancer.pick(request, now, undefined);
    if (index === -1) return undefined;
    const entry = balanced.entries[index]!;
    entry.state.acquire(now);
    return balanced.timed ? new TimedSelection(entry.origin, entry.hostHeader, entry.target, entry.state) : entry;
  }

  /** Whether a retry of this request has a target it did not try yet. */
  hasAlternative(service: ServiceEntity, tried: readonly TriedTarget[]): boolean {
    const balanced = this.#balanced.get(service.id);
    if (balanced === undefined || !balanced.thresholdMet()) return false;
    const now = this.#now();
    return balanced.entries.some((entry) => entry.weight > 0 && entry.state.isAvailable(now) && !tried.some((item) => item.state === entry.state));
  }

  /** Passive health input: the status an upstream answered with. */
  report(selection: TargetSelection, status: number): void {
    const state = selection.state;
    if (state === undefined) return;
    state.recordStatus(status);
    if (selection.startedAt !== undefined) {
      const at = performance.now();
      observeLatency(state, at - selection.startedAt, at);
    }
  }

  /** Passive health input: a connect failure, timeout or reset. */
  reportFailure(selection: TargetSelection, kind: string): void {
    const state = selection.state;
    if (state === undefined) return;
    state.recordFailure(kind, this.#now());
    if (selection.startedAt !== undefined && kind === "timeout") {
      const at = performance.now();
      observeLatency(state, at - selection.startedAt, at);
    }
  }

  /** One attempt on a target ended, successfully or with a failure kind: balancers count connections and latency. */
  release(selection: TargetSelection, _failure: string | undefined): void {
    selection.state?.release();
  }

  /** Every balanced target with its health, circuit and requests in flight, for the admin `/status`. */
  describe(): TargetStatus[] {
    return [...this.#states].map(([state, { target }]) => ({
      upstream: state.upstream,
      target: state.address,
      weight: target.weight,
      health: state.healthy ? "healthy" : "unhealthy",
      circuit: state.breaker.state,
      inflight: state.active,
    }));
  }

  /** Stops this snapshot's share of the active health checks; the state itself stays in the registry. */
  close(): void {
    for (const release of this.#releaseCheckers.splice(0)) release();
  }
}

function createBalancer(upstream: UpstreamEntity, entries: readonly BalancerEntry[]): Balancer {
  switch (upstream.algorithm) {
    case "consistent-hashing":
      return createConsistentHashing(entries, hashSources(upstream));
    case "least-connections":
      return createLeastConnections(entries);
    case "latency":
      return createLatency(entries);
    default:
      return createRoundRobin(entries);
  }
}
