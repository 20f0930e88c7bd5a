/**
 * Kong's decision (`handler.lua` access): per window `remaining = limit - usage`; a window with `remaining <= 0`
 * stops the request. The remaining shown to the client counts the current request (`remaining - 1`), except on the
 * windows that did not stop a blocked request, which it did not consume.
 */
export interface Decision {
  readonly blocked: boolean;
  /** Per limit, the `X-RateLimit-Remaining-<Period>` value. */
  readonly remaining: readonly number[];
  /** The limit reported by `RateLimit-*`: the lowest remaining, ties to the longer window. */
  readonly chosen: number;
}

/** `limits` and `usages` are in period order, shortest window first. */
export function decide(limits: readonly number[], usages: readonly number[]): Decision {
  let stop = -1;
  for (let index = 0; index < limits.length; index++) {
    if (limits[index]! - usages[index]! <= 0) {
      stop = index;
      break;
    }
  }
  const remaining: number[] = new Array(limits.length);
  let chosen = 0;
  for (let index = 0; index < limits.length; index++) {
    const left = limits[index]! - usages[index]!;
    const shown = stop === -1 || stop === index ? Math.max(0, left - 1) : Math.max(0, left);
    remaining[index] = shown;
    if (shown <= remaining[chosen]!) chosen = index;
  }
  return { blocked: stop !== -1, remaining, chosen };
}
