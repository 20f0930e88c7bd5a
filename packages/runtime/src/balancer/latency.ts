import { performance } from "node:perf_hooks";
import type { TargetState } from "../health/target-state.js";
import { type Balancer, type BalancerEntry, isEligible, type TriedTarget } from "./balancer.js";

/** Kong's decay time for the latency balancer's EWMA. */
export const latencyDecayMs = 10_000;

/**
 * Records one latency sample (milliseconds) with peak-EWMA: a sample above the average replaces it at once (so a
 * slowing target is avoided immediately), a lower one is blended in with a weight that decays over 10 s.
 */
export function observeLatency(state: TargetState, sample: number, at: number): void {
  if (sample > state.latency) state.latency = sample;
  else {
    const keep = Math.exp(-(at - state.latencyStamp) / latencyDecayMs);
    state.latency = state.latency * keep + sample * (1 - keep);
  }
  state.latencyStamp = at;
}

/** Expected cost of sending one more request: the decayed average, times the queue it joins, per unit of weight. */
export function latencyCost(entry: BalancerEntry, at: number): number {
  const state = entry.state;
  // An idle target's average decays towards zero, so a target that was slow once gets tried again.
  const decayed = state.latency === 0 ? 0 : state.latency * Math.exp(-(at - state.latencyStamp) / latencyDecayMs);
  return (decayed * (state.active + 1)) / entry.weight;
}

/**
 * Kong's latency algorithm: peak-EWMA cost with the power of two choices. Two distinct eligible candidates are drawn
 * at random in proportion to weight and the cheaper one wins (the first on a tie, which keeps the weight
 * proportions while no latency is known).
 */
export class LatencyBalancer implements Balancer {
  constructor(
    private readonly entries: readonly BalancerEntry[],
    private readonly random: () => number = Math.random,
  ) {}

  pick(_request: unknown, now: number, tried: readonly TriedTarget[] | undefined): number {
    const first = this.#draw(now, tried, -1);
    if (first === -1) return -1;
    const second = this.#draw(now, tried, first);
    if (second === -1) return first;
    const at = performance.now();
    return latencyCost(this.entries[second]!, at) < latencyCost(this.entries[first]!, at) ? second : first;
  }

  /** A weighted random eligible entry other than `skip`, or -1. */
  #draw(now: number, tried: readonly TriedTarget[] | undefined, skip: number): number {
    const entries = this.entries;
    let total = 0;
    for (let index = 0; index < entries.length; index++) {
      if (index !== skip && isEligible(entries[index]!, now, tried)) total += entries[index]!.weight;
    }
    if (total === 0) return -1;
    let remaining = this.random() * total;
    let last = -1;
    for (let index = 0; index < entries.length; index++) {
      if (index === skip || !isEligible(entries[index]!, now, tried)) continue;
      last = index;
      remaining -= entries[index]!.weight;
      if (remaining < 0) return index;
    }
    return last;
  }
}

export const createLatency = (entries: readonly BalancerEntry[]): Balancer => new LatencyBalancer(entries);
