import { type Balancer, type BalancerEntry, isEligible, type TriedTarget } from "./balancer.js";

/**
 * Smooth weighted round-robin (nginx's): each pick adds every eligible target's weight to its score, takes the
 * highest score and subtracts the eligible total from it. Picks interleave in exact weight proportion (Kong
 * shuffles a weighted wheel; the proportions are the same), ineligible targets are skipped without disturbing the
 * others, and weight 0 never gets traffic.
 */
export class RoundRobinBalancer implements Balancer {
  readonly #scores: Float64Array;

  constructor(private readonly entries: readonly BalancerEntry[]) {
    this.#scores = new Float64Array(entries.length);
  }

  pick(_request: unknown, now: number, tried: readonly TriedTarget[] | undefined): number {
    const entries = this.entries;
    const scores = this.#scores;
    let total = 0;
    let best = -1;
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index]!;
      if (!isEligible(entry, now, tried)) continue;
      scores[index]! += entry.weight;
      total += entry.weight;
      if (best === -1 || scores[index]! > scores[best]!) best = index;
    }
    if (best !== -1) scores[best]! -= total;
    return best;
  }
}

export const createRoundRobin = (entries: readonly BalancerEntry[]): Balancer => new RoundRobinBalancer(entries);
