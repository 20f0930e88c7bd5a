import type { ServiceEntity, TargetEntity, UpstreamEntity } from "./config/types.js";

export interface TargetSelection {
  /** `http://host:port`, the key of the connection pool. */
  readonly origin: string;
  /** The Host header sent upstream when the route does not preserve the client's. */
  readonly hostHeader: string;
  readonly target: TargetEntity | undefined;
}

function formatHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function selection(scheme: string, host: string, port: number, hostHeader: string | undefined, target: TargetEntity | undefined): TargetSelection {
  const defaultPort = scheme === "https" ? 443 : 80;
  const authority = port === defaultPort ? formatHost(host) : `${formatHost(host)}:${port}`;
  return { origin: `${scheme}://${formatHost(host)}:${port}`, hostHeader: hostHeader ?? authority, target };
}

/**
 * Smooth weighted round-robin (nginx's algorithm): each pick adds every target's weight to its running score, takes
 * the highest, and subtracts the total from it. Spreads picks evenly, and weight 0 never gets traffic.
 */
class WeightedRoundRobin {
  readonly #scores: number[];
  readonly #total: number;

  constructor(private readonly choices: readonly { weight: number; selection: TargetSelection }[]) {
    this.#scores = choices.map(() => 0);
    this.#total = choices.reduce((sum, choice) => sum + choice.weight, 0);
  }

  pick(): TargetSelection | undefined {
    if (this.#total === 0) return undefined;
    let best = -1;
    for (let index = 0; index < this.choices.length; index++) {
      this.#scores[index]! += this.choices[index]!.weight;
      if (best === -1 || this.#scores[index]! > this.#scores[best]!) best = index;
    }
    this.#scores[best]! -= this.#total;
    return this.choices[best]!.selection;
  }
}

/** Picks the target of each proxied request, compiled per config snapshot. */
export class TargetSelector {
  readonly #fixed = new Map<string, TargetSelection>();
  readonly #balanced = new Map<string, WeightedRoundRobin>();
  readonly origins = new Set<string>();

  constructor(services: readonly ServiceEntity[], upstreams: ReadonlyMap<string, UpstreamEntity>) {
    for (const service of services) {
      const scheme = service.protocol === "https" || service.protocol === "grpcs" ? "https" : "http";
      const upstream = upstreams.get(service.host);
      if (upstream === undefined) {
        const fixed = selection(scheme, service.host, service.port, undefined, undefined);
        this.#fixed.set(service.id, fixed);
        this.origins.add(fixed.origin);
        continue;
      }
      const choices = upstream.targets
        .filter((target) => target.weight > 0)
        .map((target) => ({ weight: target.weight, selection: selection(scheme, target.host, target.port, upstream.hostHeader, target) }));
      for (const choice of choices) this.origins.add(choice.selection.origin);
      this.#balanced.set(service.id, new WeightedRoundRobin(choices));
    }
  }

  select(service: ServiceEntity, _request: unknown): TargetSelection | undefined {
    return this.#fixed.get(service.id) ?? this.#balanced.get(service.id)?.pick();
  }

  /** Passive health input: the status an upstream answered with. */
  report(_selection: TargetSelection, _status: number): void {}

  /** Passive health input: a connect failure, timeout or reset. */
  reportFailure(_selection: TargetSelection, _kind: string): void {}

  /** One attempt on a target ended, successfully or with a failure kind: balancers count connections and latency. */
  release(_selection: TargetSelection, _failure: string | undefined): void {}
}
