import { timingSafeEqual } from "node:crypto";

/**
 * Compares two MACs without leaking, through timing, how many leading bytes match. Lengths are public (they follow
 * from the algorithm), so a length mismatch returns at once.
 */
export function macEquals(expected: Uint8Array, received: Uint8Array | undefined): boolean {
  if (received === undefined || expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
}
