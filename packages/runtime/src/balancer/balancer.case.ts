import { describe, expect, it } from "vitest";
import { normalizeConfig } from "../config/index.js";
import type { UpstreamEntity } from "../config/types.js";
import { TargetRegistry } from "../health/registry.js";
import type { Balancer, BalancerEntry, BalancerRequest } from "./balancer.js";

/** An upstream as the config loader makes it, with Kong's defaults applied. */
export function upstreamFixture(upstream: Record<string, unknown>): UpstreamEntity {
  const result = normalizeConfig({ _format_version: "3.0", upstreams: [{ name: "pool.test", ...upstream }] });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config.upstreams[0]!;
}

/** Entries over fresh target state, one per weight, at 10.0.0.N:80. */
export function entriesFor(weights: readonly number[], upstreamFields: Record<string, unknown> = {}, registry = new TargetRegistry()) {
  const upstream = upstreamFixture({ ...upstreamFields, targets: weights.map((weight, index) => ({ target: `10.0.0.${index + 1}:80`, weight })) });
  const entries: BalancerEntry[] = upstream.targets.map((target) => ({ weight: target.weight, state: registry.state(upstream, target) }));
  return { upstream, entries, registry };
}

export function requestFor(fields: { headers?: Record<string, string>; query?: Record<string, string>; ip?: string; path?: string; captures?: Record<string, string> } = {}): BalancerRequest {
  return {
    clientRequest: { headers: fields.headers ?? {}, query: fields.query ?? {}, clientIp: fields.ip ?? "127.0.0.1", path: fields.path ?? "/" },
    match: { captures: fields.captures },
  };
}

export interface BalancerCaseOptions {
  /** Upstream fields the algorithm needs (e.g. `hash_on`). */
  readonly upstream?: Record<string, unknown>;
  readonly create: (entries: readonly BalancerEntry[], upstream: UpstreamEntity) => Balancer;
  /** The request of pick number `index`: distinct keys for hashing. */
  readonly request?: (index: number) => BalancerRequest;
  /** Allowed relative deviation of each target's share from its weight share. */
  readonly tolerance: number;
}

/**
 * The contract every balancer must keep, run once per algorithm. Picks are "held" (the request is counted on its
 * target and not released), which is how a loaded gateway looks to least-connections and latency.
 */
export function balancerCase(name: string, options: BalancerCaseOptions): void {
  const request = options.request ?? (() => undefined);
  const build = (weights: readonly number[]) => {
    const built = entriesFor(weights, options.upstream);
    return { ...built, balancer: options.create(built.entries, built.upstream) };
  };
  const pickHeld = (balancer: Balancer, entries: readonly BalancerEntry[], index: number, now = 0, tried?: readonly BalancerEntry[]) => {
    const picked = balancer.pick(request(index), now, tried);
    if (picked !== -1) entries[picked]!.state.acquire(now);
    return picked;
  };
  const tally = (balancer: Balancer, entries: readonly BalancerEntry[], picks: number, tried?: readonly BalancerEntry[]) => {
    const counts = new Array<number>(entries.length).fill(0);
    for (let index = 0; index < picks; index++) {
      const picked = pickHeld(balancer, entries, index, 0, tried);
      expect(picked).toBeGreaterThanOrEqual(0);
      counts[picked]!++;
    }
    return counts;
  };

  describe(`${name} balancer`, () => {
    it("never sends traffic to a target of weight 0", () => {
      const { balancer, entries } = build([100, 0, 100]);
      expect(tally(balancer, entries, 1500)[1]).toBe(0);
    });

    it("never picks unhealthy targets or targets whose circuit is open", () => {
      const { balancer, entries } = build([100, 100, 100]);
      entries[0]!.state.healthy = false;
      for (let failure = 0; failure < 5; failure++) entries[1]!.state.breaker.fail(0);
      expect(entries[1]!.state.breaker.state).toBe("open");
      expect(tally(balancer, entries, 600)).toEqual([0, 0, 600]);
    });

    it("returns -1 when no target is left", () => {
      const unhealthy = build([100, 100]);
      for (const entry of unhealthy.entries) entry.state.healthy = false;
      expect(unhealthy.balancer.pick(request(0), 0, undefined)).toBe(-1);
      const zero = build([0, 0]);
      expect(zero.balancer.pick(request(0), 0, undefined)).toBe(-1);
      const empty = build([]);
      expect(empty.balancer.pick(request(0), 0, undefined)).toBe(-1);
    });

    it("spreads picks in proportion to weight", () => {
      const { balancer, entries } = build([100, 200, 300]);
      const picks = 6000;
      const counts = tally(balancer, entries, picks);
      counts.forEach((count, index) => {
        const expected = (picks * (index + 1)) / 6;
        expect(Math.abs(count - expected) / expected, `target ${index}: ${counts.join(", ")}`).toBeLessThanOrEqual(options.tolerance);
      });
    });

    it("skips the targets a request already tried, and has nothing left when it tried all", () => {
      const { balancer, entries } = build([100, 100, 100]);
      const counts = tally(balancer, entries, 300, [entries[0]!, entries[2]!]);
      expect(counts).toEqual([0, 300, 0]);
      expect(balancer.pick(request(0), 0, entries)).toBe(-1);
    });

    it("sends traffic to a target again once it recovers", () => {
      const { balancer, entries } = build([100, 100]);
      entries[0]!.state.healthy = false;
      expect(tally(balancer, entries, 200)[0]).toBe(0);
      entries[0]!.state.healthy = true;
      for (const entry of entries) entry.state.active = 0;
      expect(tally(balancer, entries, 400)[0]).toBeGreaterThan(100);
    });
  });
}
