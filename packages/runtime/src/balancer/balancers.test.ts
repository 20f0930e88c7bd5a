import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { balancerCase, entriesFor, requestFor } from "./balancer.case.js";
import type { BalancerRequest } from "./balancer.js";
import { ConsistentHashingBalancer, createConsistentHashing } from "./consistent-hashing.js";
import { hash32 } from "./hash.js";
import { hashKey, hashSources } from "./hash-key.js";
import { createLatency, LatencyBalancer, observeLatency } from "./latency.js";
import { createLeastConnections } from "./least-connections.js";
import { createRoundRobin, RoundRobinBalancer } from "./round-robin.js";

const keyed = (index: number) => requestFor({ headers: { "x-key": `user-${index}` } });

balancerCase("round-robin", { create: createRoundRobin, tolerance: 0.001 });
balancerCase("least-connections", { upstream: { algorithm: "least-connections" }, create: createLeastConnections, tolerance: 0.01 });
balancerCase("latency", { upstream: { algorithm: "latency" }, create: createLatency, tolerance: 0.1 });
balancerCase("consistent-hashing", {
  upstream: { hash_on: "header", hash_on_header: "X-Key" },
  create: (entries, upstream) => createConsistentHashing(entries, hashSources(upstream)),
  request: keyed,
  tolerance: 0.2,
});

describe("round-robin", () => {
  it("interleaves picks smoothly rather than in bursts", () => {
    const { entries } = entriesFor([5, 1, 1]);
    const balancer = new RoundRobinBalancer(entries);
    const sequence = Array.from({ length: 7 }, () => balancer.pick(undefined, 0, undefined));
    expect(sequence).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });
});

describe("least-connections", () => {
  it("prefers the target with the fewest requests in flight per unit of weight", () => {
    const { entries } = entriesFor([100, 100, 200]);
    const balancer = createLeastConnections(entries);
    entries[0]!.state.active = 3;
    entries[1]!.state.active = 1;
    entries[2]!.state.active = 4;
    // costs: 4/100, 2/100, 5/200
    expect(balancer.pick(undefined, 0, undefined)).toBe(1);
  });

  it("rotates between equally loaded targets", () => {
    const { entries } = entriesFor([100, 100, 100]);
    const balancer = createLeastConnections(entries);
    const picks = Array.from({ length: 6 }, () => balancer.pick(undefined, 0, undefined));
    expect(new Set(picks).size).toBe(3);
  });
});

describe("latency", () => {
  it("sends most traffic to the faster target and still samples the slower one", () => {
    const { entries } = entriesFor([100, 100]);
    const at = performance.now();
    observeLatency(entries[0]!.state, 5, at);
    observeLatency(entries[1]!.state, 50, at);
    const balancer = createLatency(entries);
    const counts = [0, 0];
    for (let index = 0; index < 1000; index++) counts[balancer.pick(undefined, 0, undefined)]!++;
    expect(counts[0]).toBeGreaterThan(950);
  });

  it("keeps a peak: one slow sample counts at once, fast ones blend in over the decay time", () => {
    const { entries } = entriesFor([100]);
    const state = entries[0]!.state;
    observeLatency(state, 10, 1000);
    observeLatency(state, 100, 1001);
    expect(state.latency).toBe(100);
    observeLatency(state, 10, 1001 + 10_000);
    expect(state.latency).toBeCloseTo(100 * Math.exp(-1) + 10 * (1 - Math.exp(-1)), 6);
  });

  it("weighs candidates with an injected random source, preferring the cheaper of two", () => {
    const { entries } = entriesFor([100, 100]);
    entries[0]!.state.active = 5;
    const at = performance.now();
    observeLatency(entries[0]!.state, 10, at);
    observeLatency(entries[1]!.state, 10, at);
    expect(new LatencyBalancer(entries, () => 0).pick(undefined, 0, undefined)).toBe(1);
  });
});

describe("consistent hashing", () => {
  const upstreamFields = { hash_on: "header", hash_on_header: "x-key" };
  const build = (count: number) => {
    const { entries, upstream } = entriesFor(new Array(count).fill(100), upstreamFields);
    return { entries, balancer: new ConsistentHashingBalancer(entries, hashSources(upstream)) };
  };
  const owner = (built: ReturnType<typeof build>, key: number) => built.entries[built.balancer.pick(keyed(key), 0, undefined)]!.state.address;

  it("sends a key to the same target every time", () => {
    const built = build(4);
    for (let key = 0; key < 50; key++) expect(owner(built, key)).toBe(owner(built, key));
  });

  it("moves about 1/N of the keys, all to the new target, when a target is added", () => {
    const before = build(4);
    const after = build(5);
    let moved = 0;
    const keys = 5000;
    for (let key = 0; key < keys; key++) {
      const from = owner(before, key);
      const to = owner(after, key);
      if (from !== to) {
        moved++;
        expect(to).toBe("10.0.0.5:80");
      }
    }
    expect(moved / keys).toBeGreaterThan(0.12);
    expect(moved / keys).toBeLessThan(0.28);
  });

  it("moves only the keys of a target that becomes unhealthy", () => {
    const built = build(4);
    const owners = Array.from({ length: 500 }, (_, key) => owner(built, key));
    built.entries[1]!.state.healthy = false;
    for (let key = 0; key < 500; key++) {
      const now = owner(built, key);
      if (owners[key] !== "10.0.0.2:80") expect(now).toBe(owners[key]);
      else expect(now).not.toBe("10.0.0.2:80");
    }
  });

  it("hashes on hash_on, then hash_fallback, then balances round-robin", () => {
    const { upstream } = entriesFor([100], { hash_on: "header", hash_on_header: "X-Key", hash_fallback: "query_arg", hash_fallback_query_arg: "user" });
    const sources = hashSources(upstream);
    expect(hashKey(sources, requestFor({ headers: { "x-key": "a" }, query: { user: "b" } }))).toBe("a");
    expect(hashKey(sources, requestFor({ query: { user: "b" } }))).toBe("b");
    expect(hashKey(sources, requestFor())).toBeUndefined();
    const built = build(3);
    const picks = Array.from({ length: 3 }, () => built.balancer.pick(requestFor(), 0, undefined));
    expect(new Set(picks).size).toBe(3);
  });

  it("reads every kind of hash input", () => {
    const request: BalancerRequest = {
      consumer: { id: "consumer-1" },
      clientRequest: { headers: { "x-multi": ["a", "b"], cookie: "theme=dark; session=s-1" }, query: { tag: ["x", "y"] }, clientIp: "10.1.1.1", path: "/p/1" },
      match: { captures: { id: "42" } },
    };
    const key = (fields: Record<string, unknown>) => hashKey(hashSources(entriesFor([100], fields).upstream), request);
    expect(key({ hash_on: "consumer" })).toBe("consumer-1");
    expect(key({ hash_on: "ip" })).toBe("10.1.1.1");
    expect(key({ hash_on: "header", hash_on_header: "X-Multi" })).toBe("a,b");
    expect(key({ hash_on: "cookie", hash_on_cookie: "session" })).toBe("s-1");
    expect(key({ hash_on: "path" })).toBe("/p/1");
    expect(key({ hash_on: "query_arg", hash_on_query_arg: "tag" })).toBe("x,y");
    expect(key({ hash_on: "uri_capture", hash_on_uri_capture: "id" })).toBe("42");
  });

  it("gives a client without the hash cookie a new one, as Kong does", () => {
    const set: string[] = [];
    const request: BalancerRequest = { ...requestFor(), pendingResponse: { addHeader: (name, value) => set.push(`${name}: ${value}`) } };
    const { upstream } = entriesFor([100], { hash_on: "cookie", hash_on_cookie: "sticky", hash_on_cookie_path: "/app" });
    const value = hashKey(hashSources(upstream), request);
    expect(set).toEqual([`set-cookie: sticky=${value}; Path=/app`]);
  });

  it("hashes stably and spreads similar strings", () => {
    expect(hash32("10.0.0.1:80#1")).toBe(hash32("10.0.0.1:80#1"));
    const buckets = new Array(16).fill(0);
    for (let index = 0; index < 16_000; index++) buckets[hash32(`key-${index}`) >>> 28]++;
    for (const bucket of buckets) expect(Math.abs(bucket - 1000)).toBeLessThan(150);
  });
});
