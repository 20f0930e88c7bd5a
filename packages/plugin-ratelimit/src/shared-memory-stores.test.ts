import { describe, expect, it } from "vitest";
import { MemoryCounterStore } from "./memory-store.js";
import { acquireMemoryStore } from "./shared-memory-stores.js";
import type { CountRequest } from "./counter-store.js";

const request = (nowMs: number): CountRequest => ({ identifier: "client", starts: [0], limits: [2], ttlsMs: [60_000], previousStarts: undefined, previousWeights: undefined, nowMs });

describe("acquireMemoryStore", () => {
  it("hands the same counters to a second holder of the same key, as across a reload", async () => {
    let created = 0;
    const make = () => {
      created++;
      return new MemoryCounterStore(1, () => 1_000);
    };
    const old = acquireMemoryStore("instance-1|minute", make);
    expect((await old.count(request(1_000))).admitted).toBe(true);
    const replacement = acquireMemoryStore("instance-1|minute", make);
    await old.close();
    expect((await replacement.count(request(1_000))).admitted).toBe(true);
    expect((await replacement.count(request(1_000))).admitted).toBe(false);
    expect(created).toBe(1);
    await replacement.close();
    const fresh = acquireMemoryStore("instance-1|minute", make);
    expect((await fresh.count(request(1_000))).admitted).toBe(true);
    expect(created).toBe(2);
    await fresh.close();
  });

  it("keeps counters apart for different keys", async () => {
    const first = acquireMemoryStore("a", () => new MemoryCounterStore(1, () => 1_000));
    const second = acquireMemoryStore("b", () => new MemoryCounterStore(1, () => 1_000));
    await first.count(request(1_000));
    await first.count(request(1_000));
    expect((await second.count(request(1_000))).admitted).toBe(true);
    await first.close();
    await second.close();
  });
});
