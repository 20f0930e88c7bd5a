import { describe, expect, it } from "vitest";
import type { CountRequest } from "./counter-store.js";
import { MemoryCounterStore } from "./memory-store.js";

/** Two limits (a 1 s and a 5 s window) for identifier "a". */
const request = (nowMs: number, extra: Partial<CountRequest> = {}): CountRequest => ({
  identifier: "a",
  starts: [Math.floor(nowMs / 1000) * 1000, Math.floor(nowMs / 5000) * 5000],
  limits: [2, 3],
  ttlsMs: [1000, 5000],
  previousStarts: undefined,
  previousWeights: undefined,
  nowMs,
  ...extra,
});

describe("MemoryCounterStore", () => {
  it("admits while every window has room, counts only admitted requests, and rolls windows over", () => {
    let now = 0;
    const store = new MemoryCounterStore(2, () => now);
    expect(store.count(request(0))).toEqual({ usages: [0, 0], admitted: true });
    expect(store.count(request(0))).toEqual({ usages: [1, 1], admitted: true });
    expect(store.count(request(0))).toEqual({ usages: [2, 2], admitted: false });
    expect(store.count(request(0))).toEqual({ usages: [2, 2], admitted: false });
    // A new 1 s window, the same 5 s window: the latter now blocks.
    expect(store.count(request(1000))).toEqual({ usages: [0, 2], admitted: true });
    expect(store.count(request(1000))).toEqual({ usages: [1, 3], admitted: false });
    expect(store.count(request(1000, { identifier: "b" }))).toEqual({ usages: [0, 0], admitted: true });
    now = 6000;
    store.sweep();
    expect(store.size).toBe(0);
    store.close();
  });

  it("adds the previous window scaled by its weight, rounded down, and forgets older windows", () => {
    const store = new MemoryCounterStore(1, () => 0);
    const single = { identifier: "a", limits: [10], ttlsMs: [120_000], previousWeights: undefined, previousStarts: undefined };
    for (let index = 0; index < 4; index++) store.count({ ...single, starts: [0], nowMs: 0 });
    const sliding = { ...single, starts: [60_000], previousStarts: [0], nowMs: 60_000 };
    expect(store.count({ ...sliding, previousWeights: [0.6] })).toEqual({ usages: [2], admitted: true });
    expect(store.count({ ...sliding, previousWeights: [1] })).toEqual({ usages: [5], admitted: true });
    // Two windows later, the window before is not the previous one any more.
    expect(store.count({ ...single, starts: [180_000], previousStarts: [120_000], previousWeights: [1], nowMs: 60_000 })).toEqual({
      usages: [0],
      admitted: true,
    });
    store.close();
  });
});
