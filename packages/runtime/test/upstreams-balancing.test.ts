import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { send, startGateway, type TestGateway } from "./support.js";
import { countBodies, type NamedUpstream, sendMany, startNamedUpstream, upstreamConfig } from "./upstreams-support.js";

describe("balancing across real upstreams", () => {
  let upstreams: NamedUpstream[];
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    upstreams = await Promise.all(["a", "b", "c"].map((name) => startNamedUpstream(name, 5)));
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
  });

  const weighted = () => upstreams.map((upstream, index) => ({ target: upstream.target, weight: (index + 1) * 100 }));

  it.each([
    ["round-robin", {}, 0.05],
    ["least-connections", { algorithm: "least-connections" }, 0.3],
    ["latency", { algorithm: "latency" }, 0.35],
    ["consistent-hashing", { hash_on: "header", hash_on_header: "x-user" }, 0.3],
  ] as const)("%s spreads requests in proportion to weight (1:2:3)", async (_name, fields, tolerance) => {
    gateway = await startGateway({ config: upstreamConfig({ ...fields, targets: weighted() }) });
    const total = 360;
    const results = await sendMany(`${gateway.url}/x`, total, 24, (index) => ({ headers: { "x-user": `user-${index}` } }));
    expect(results.every((result) => result.status === 200)).toBe(true);
    const counts = countBodies(results);
    ["a", "b", "c"].forEach((name, index) => {
      const expected = (total * (index + 1)) / 6;
      expect(Math.abs((counts[name] ?? 0) - expected) / expected, JSON.stringify(counts)).toBeLessThanOrEqual(tolerance);
    });
  });

  it("never sends traffic to a target of weight 0", async () => {
    gateway = await startGateway({ config: upstreamConfig({ targets: [{ target: upstreams[0]!.target }, { target: upstreams[1]!.target, weight: 0 }] }) });
    const counts = countBodies(await sendMany(`${gateway.url}/x`, 40, 4));
    expect(counts).toEqual({ a: 40 });
  });

  it("consistent hashing keeps keys on their target across requests and moves about 1/N of them when a target is added", async () => {
    const extra = await startNamedUpstream("d");
    try {
      const three = upstreams.map((upstream) => ({ target: upstream.target }));
      const config = (targets: { target: string }[]) => upstreamConfig({ hash_on: "header", hash_on_header: "x-user", targets });
      gateway = await startGateway({ config: config(three) });
      const keys = 400;
      const owners = async () => (await sendMany(`${gateway!.url}/x`, keys, 16, (index) => ({ headers: { "x-user": `user-${index}` } }))).map((result) => result.body);
      const before = await owners();
      expect(await owners()).toEqual(before);
      await gateway.gateway.reload(config([...three, { target: extra.target }]));
      const after = await owners();
      const moved = after.filter((owner, index) => owner !== before[index]);
      expect(moved.every((owner) => owner === "d")).toBe(true);
      expect(moved.length / keys).toBeGreaterThan(0.12);
      expect(moved.length / keys).toBeLessThan(0.4);
    } finally {
      await extra.close();
    }
  });

  it("hashes on a generated cookie when the client has none, and keeps a client with it on one target", async () => {
    gateway = await startGateway({ config: upstreamConfig({ hash_on: "cookie", hash_on_cookie: "sticky", targets: upstreams.map((upstream) => ({ target: upstream.target })) }) });
    const response = await send(`${gateway.url}/x`);
    expect(response.status).toBe(200);
    const cookie = String(response.headers["set-cookie"]).split(";")[0]!;
    expect(cookie).toMatch(/^sticky=[0-9a-f-]{36}$/);
    const owners = countBodies(await sendMany(`${gateway.url}/x`, 30, 3, () => ({ headers: { cookie } })));
    expect(Object.values(owners)).toEqual([30]);
  });
});
