import { type Balancer, type BalancerEntry, isEligible, type TriedTarget } from "./balancer.js";

/**
 * Kong's least-connections: the eligible target with the lowest (requests in flight + 1) / weight. The scan starts
 * one entry further on each pick, so ties (an idle upstream) rotate instead of always landing on the first target.
 * In-flight counts live in the shared target state, so they include requests of older config snapshots.
 */
export class LeastConnectionsBalancer implements Balancer {
  #start = 0;

  constructor(private readonly entries: readonly BalancerEntry[]) {}

  pick(_request: unknown, now: number, tried: readonly TriedTarget[] | undefined): number {
    const entries = this.entries;
    const count = entries.length;
    if (count === 0) return -1;
    const start = this.#start;
    this.#start = start + 1 === count ? 0 : start + 1;
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let offset = 0; offset < count; offset++) {
      let index = start + offset;
      if (index >= count) index -= count;
      const entry = entries[index]!;
      if (!isEligible(entry, now, tried)) continue;
      const cost = (entry.state.active + 1) / entry.weight;
      if (cost < bestCost) {
        best = index;
        bestCost = cost;
      }
    }
    return best;
  }
}

export const createLeastConnections = (entries: readonly BalancerEntry[]): Balancer => new LeastConnectionsBalancer(entries);
