import type { CounterStore } from "./counter-store.js";
import type { MemoryCounterStore } from "./memory-store.js";

interface Holding {
  readonly store: MemoryCounterStore;
  holders: number;
}

const holdings = new Map<string, Holding>();

/**
 * `local` counters outlive a reload, as Kong's shared dictionary does: the runtime creates the new instance before
 * it closes the old one, and a plugin entity keeps its id across reloads, so both instances hold the same store for a
 * moment and the counters carry over. `key` must change when the counters' layout (the configured periods, the
 * window type) changes. The store is closed when its last holder closes.
 */
export function acquireMemoryStore(key: string, create: () => MemoryCounterStore): CounterStore {
  let holding = holdings.get(key);
  if (holding === undefined) {
    holding = { store: create(), holders: 0 };
    holdings.set(key, holding);
  }
  holding.holders++;
  const { store } = holding;
  let released = false;
  return {
    count: (request) => store.count(request),
    close() {
      if (released) return;
      released = true;
      holding.holders--;
      if (holding.holders === 0) {
        holdings.delete(key);
        store.close();
      }
    },
  };
}
