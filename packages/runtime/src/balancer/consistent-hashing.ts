import { type Balancer, type BalancerEntry, type BalancerRequest, isEligible, type TriedTarget } from "./balancer.js";
import { hash32 } from "./hash.js";
import { type HashSource, hashKey } from "./hash-key.js";
import { RoundRobinBalancer } from "./round-robin.js";

/** Points per 100 of weight: Kong's 160 points per target of the default weight. */
const pointsPerHundredWeight = 160;
/** Above this many points in all, every target's share is scaled down together (only reachable with huge weights). */
const maximumPoints = 1 << 20;

/**
 * Consistent hashing on a continuum: each target owns points in proportion to its weight, placed by hashing
 * `host:port#n`, so a target's points do not depend on the other targets and adding or removing one moves only
 * about 1/N of the keys. A request's key (`hash_on`, then `hash_fallback`) is hashed and takes the first point at or
 * after it; when that target is unhealthy, open or already tried, the walk continues clockwise. A request without
 * any key is balanced round-robin.
 */
export class ConsistentHashingBalancer implements Balancer {
  readonly #points: Uint32Array;
  readonly #owners: Int32Array;
  readonly #fallback: RoundRobinBalancer;

  constructor(
    private readonly entries: readonly BalancerEntry[],
    private readonly sources: readonly HashSource[],
  ) {
    this.#fallback = new RoundRobinBalancer(entries);
    const wanted = entries.map((entry) => (entry.weight === 0 ? 0 : Math.max(1, Math.round((entry.weight * pointsPerHundredWeight) / 100))));
    const total = wanted.reduce((sum, count) => sum + count, 0);
    const scale = total > maximumPoints ? maximumPoints / total : 1;
    const ring: { point: number; owner: number }[] = [];
    entries.forEach((entry, owner) => {
      const count = wanted[owner] === 0 ? 0 : Math.max(1, Math.floor(wanted[owner]! * scale));
      for (let index = 0; index < count; index++) ring.push({ point: hash32(`${entry.state.address}#${index}`), owner });
    });
    // Ties (hash collisions) are ordered by address so that the ring is the same whatever the target order.
    ring.sort((left, right) => left.point - right.point || (entries[left.owner]!.state.address < entries[right.owner]!.state.address ? -1 : 1));
    this.#points = Uint32Array.from(ring, (item) => item.point);
    this.#owners = Int32Array.from(ring, (item) => item.owner);
  }

  pick(request: BalancerRequest | undefined, now: number, tried: readonly TriedTarget[] | undefined): number {
    const key = hashKey(this.sources, request);
    if (key === undefined) return this.#fallback.pick(request, now, tried);
    return this.pickHash(hash32(key), now, tried);
  }

  /** The owner of the first eligible point at or after `hash`, wrapping around; -1 when no target is eligible. */
  pickHash(hash: number, now: number, tried: readonly TriedTarget[] | undefined): number {
    const points = this.#points;
    const count = points.length;
    if (count === 0) return -1;
    let low = 0;
    let high = count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (points[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    let lastRejected = -1;
    for (let step = 0; step < count; step++) {
      let index = low + step;
      if (index >= count) index -= count;
      const owner = this.#owners[index]!;
      // Consecutive points of one rejected target are common; skip the eligibility check for them.
      if (owner === lastRejected) continue;
      if (isEligible(this.entries[owner]!, now, tried)) return owner;
      lastRejected = owner;
    }
    return -1;
  }
}

export const createConsistentHashing = (entries: readonly BalancerEntry[], sources: readonly HashSource[]): Balancer =>
  new ConsistentHashingBalancer(entries, sources);
