import type { TargetState } from "../health/target-state.js";

/** One target as a balancer sees it: its weight (0 = no traffic) and its shared live state. */
export interface BalancerEntry {
  readonly weight: number;
  readonly state: TargetState;
}

/** A target a request already tried: retries go to another one. */
export interface TriedTarget {
  readonly state?: TargetState | undefined;
}

/** What consistent hashing may hash on; the exchange has all of it. */
export interface BalancerRequest {
  readonly consumer?: { readonly id: string } | undefined;
  readonly credential?: { readonly id: string } | undefined;
  readonly clientRequest: {
    readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
    readonly query: Readonly<Record<string, string | true | readonly (string | true)[]>>;
    readonly clientIp: string;
    readonly path: string;
  };
  readonly match?: { readonly captures: Readonly<Record<string, string>> | undefined } | undefined;
  /** Where a generated hash cookie is set (Kong's `hash_on: cookie` when the client has none yet). */
  readonly pendingResponse?: { addHeader(name: string, value: string): void };
  readonly triedTargets?: readonly TriedTarget[] | undefined;
}

/**
 * A load-balancing algorithm over a fixed list of entries, compiled per service and config snapshot. `pick` returns
 * the index of the chosen entry or -1 when no entry is eligible; it never changes target state (the selector counts
 * the request on the target it got), and it allocates nothing.
 */
export interface Balancer {
  pick(request: BalancerRequest | undefined, now: number, tried: readonly TriedTarget[] | undefined): number;
}

export type BalancerFactory<Options = undefined> = (entries: readonly BalancerEntry[], options: Options) => Balancer;

/** A target may get this request: weight above 0, healthy, circuit not open, and not tried by this request yet. */
export function isEligible(entry: BalancerEntry, now: number, tried: readonly TriedTarget[] | undefined): boolean {
  if (entry.weight === 0 || !entry.state.isAvailable(now)) return false;
  if (tried !== undefined) for (let index = 0; index < tried.length; index++) if (tried[index]!.state === entry.state) return false;
  return true;
}
