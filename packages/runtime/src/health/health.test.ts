import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { upstreamFixture } from "../balancer/balancer.case.js";
import type { RuntimeLogger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { Metrics } from "../metrics.js";
import { ActiveHealthChecker } from "./active-checker.js";
import { CircuitBreaker } from "./circuit-breaker.js";
import { HealthCounters } from "./health-counters.js";
import { HealthPolicy } from "./health-policy.js";
import { TargetRegistry } from "./registry.js";

const limits = { successes: 2, tcpFailures: 3, timeouts: 1, httpFailures: 0 };

describe("health counters", () => {
  it("flips to unhealthy after an uninterrupted run of one failure kind, and back after the successes", () => {
    const counters = new HealthCounters();
    expect(counters.apply("tcp", true, limits)).toBeUndefined();
    expect(counters.apply("tcp", true, limits)).toBeUndefined();
    expect(counters.apply("success", true, limits)).toBeUndefined();
    expect(counters.apply("tcp", true, limits)).toBeUndefined();
    expect(counters.apply("tcp", true, limits)).toBeUndefined();
    expect(counters.apply("tcp", true, limits)).toBe(false);
    expect(counters.apply("success", false, limits)).toBeUndefined();
    expect(counters.apply("tcp", false, limits)).toBeUndefined();
    expect(counters.apply("success", false, limits)).toBeUndefined();
    expect(counters.apply("success", false, limits)).toBe(true);
  });

  it("ignores kinds whose threshold is 0", () => {
    const counters = new HealthCounters();
    for (let index = 0; index < 300; index++) expect(counters.apply("http", true, limits)).toBeUndefined();
    expect(counters.apply("timeout", true, limits)).toBe(false);
  });
});

describe("health policy", () => {
  it("classifies statuses by the passive and active lists, and turns passive checks off when every counter is 0", () => {
    const checks = upstreamFixture({ healthchecks: { passive: { unhealthy: { http_failures: 2 } } } }).healthchecks;
    const policy = new HealthPolicy(checks);
    expect(policy.passiveEnabled).toBe(true);
    expect([policy.passiveOutcome(200), policy.passiveOutcome(503), policy.passiveOutcome(404)]).toEqual(["success", "http", undefined]);
    expect([policy.activeOutcome(302), policy.activeOutcome(404), policy.activeOutcome(201)]).toEqual(["success", "http", undefined]);
    expect(new HealthPolicy(upstreamFixture({}).healthchecks).passiveEnabled).toBe(false);
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures, lets one probe through after the cool-down, and closes on its success", () => {
    const changes: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000 }, (state) => changes.push(state));
    breaker.fail(0);
    breaker.fail(0);
    breaker.succeed();
    breaker.fail(0);
    breaker.fail(0);
    expect(breaker.state).toBe("closed");
    breaker.fail(10);
    expect(breaker.state).toBe("open");
    expect(breaker.allows(500)).toBe(false);
    expect(breaker.allows(1010)).toBe(true);
    breaker.acquire(1010);
    expect(breaker.state).toBe("half-open");
    expect(breaker.allows(1010)).toBe(false);
    breaker.succeed();
    expect(breaker.state).toBe("closed");
    expect(changes).toEqual(["open", "half-open", "closed"]);
  });

  it("reopens when the half-open probe fails, and frees the probe slot when it ends without an outcome", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, coolDownMs: 100 }, () => undefined);
    breaker.fail(0);
    breaker.acquire(100);
    breaker.fail(150);
    expect(breaker.state).toBe("open");
    expect(breaker.allows(200)).toBe(false);
    breaker.acquire(250);
    expect(breaker.allows(250)).toBe(false);
    breaker.release();
    expect(breaker.allows(250)).toBe(true);
  });
});

function recordingLogger(lines: string[]): RuntimeLogger {
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return { ...silentLogger, info: record("info"), warn: record("warn"), child: () => recordingLogger(lines) } as RuntimeLogger;
}

describe("target registry", () => {
  const upstream = (fields: Record<string, unknown> = {}) => upstreamFixture({ targets: [{ target: "10.0.0.1:80" }, { target: "10.0.0.2:80" }], ...fields });

  it("keeps one state per upstream and target, logs and counts health changes, and forgets what is not retained", () => {
    const lines: string[] = [];
    const metrics = new Metrics();
    const registry = new TargetRegistry({ logger: recordingLogger(lines), metrics });
    const first = upstream({ healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } });
    const state = registry.state(first, first.targets[0]!);
    expect(registry.state(first, first.targets[0]!)).toBe(state);
    state.recordFailure("connect", 0);
    expect(state.healthy).toBe(false);
    expect(lines.join("\n")).toContain('warn target marked unhealthy {"upstream":"pool.test","target":"10.0.0.1:80","reason":"passive: connect"}');
    expect(metrics.render()).toContain('portcullis_target_health_changes_total{target="pool.test/10.0.0.1:80",state="unhealthy"} 1');
    // The same settings on reload keep the health; different settings start it over (Kong rebuilds the balancer).
    expect(registry.state(upstream({ healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } } }), first.targets[0]!).healthy).toBe(false);
    expect(registry.state(upstream(), first.targets[0]!).healthy).toBe(true);
    registry.retain(new Set([TargetRegistry.key("pool.test", first.targets[1]!)]));
    expect(registry.state(first, first.targets[0]!)).not.toBe(state);
  });

  it("counts circuits that are not closed, so picks read the clock only while one is", () => {
    const registry = new TargetRegistry({ breaker: { failureThreshold: 1, coolDownMs: 100 } });
    const pool = upstream();
    const state = registry.state(pool, pool.targets[0]!);
    state.recordFailure("connect", 0);
    expect(registry.openCircuits).toBe(1);
    state.acquire(100);
    expect(state.breaker.state).toBe("half-open");
    state.recordFailure("reset", 100);
    expect(registry.openCircuits).toBe(1);
    state.acquire(200);
    state.recordStatus(200);
    expect([state.breaker.state, registry.openCircuits]).toEqual(["closed", 0]);
    state.recordFailure("timeout", 300);
    registry.retain(new Set());
    expect(registry.openCircuits).toBe(0);
  });

  it("shares one active checker between snapshots with the same settings and stops it with the last one", () => {
    const registry = new TargetRegistry();
    const active = upstream({ healthchecks: { active: { healthy: { interval: 60 } } } });
    const probes = active.targets.map((target) => ({ state: registry.state(active, target), host: target.host, port: target.port }));
    expect(registry.acquireChecker(upstream(), probes)).toBeUndefined();
    const releaseFirst = registry.acquireChecker(active, probes)!;
    const releaseSecond = registry.acquireChecker(active, probes)!;
    expect(registry.checkerCount).toBe(1);
    releaseFirst();
    releaseFirst();
    expect(registry.checkerCount).toBe(1);
    releaseSecond();
    expect(registry.checkerCount).toBe(0);
    const releaseThird = registry.acquireChecker(active, probes)!;
    expect(registry.checkerCount).toBe(1);
    registry.close();
    expect(registry.checkerCount).toBe(0);
    releaseThird();
    registry.close();
  });
});

describe("active health checker", () => {
  const servers: ReturnType<typeof createServer>[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(status: () => number): Promise<number> {
    const server = createServer((request, response) => {
      response.writeHead(request.url === "/health" ? status() : 404);
      response.end();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  it("marks targets unhealthy and healthy again by probing http_path, and counts refused connections", async () => {
    let status = 200;
    const port = await serve(() => status);
    const closed = await serve(() => 200);
    const closedServer = servers.pop()!;
    await new Promise((resolve) => closedServer.close(resolve));
    const upstream = upstreamFixture({
      targets: [{ target: `127.0.0.1:${port}` }, { target: `127.0.0.1:${closed}` }],
      healthchecks: { active: { http_path: "/health", timeout: 1, healthy: { successes: 2 }, unhealthy: { http_failures: 2, tcp_failures: 1 } } },
    });
    const registry = new TargetRegistry();
    const probes = upstream.targets.map((target) => ({ state: registry.state(upstream, target), host: target.host, port: target.port }));
    const checker = new ActiveHealthChecker(upstream, probes);
    await checker.probeAll(true);
    expect(probes.map((probe) => probe.state.healthy)).toEqual([true, false]);
    status = 503;
    await checker.probeAll(true);
    expect(probes[0]!.state.healthy).toBe(true);
    await checker.probeAll(true);
    expect(probes[0]!.state.healthy).toBe(false);
    status = 200;
    await checker.probeAll(false);
    expect(probes[0]!.state.healthy).toBe(false);
    await checker.probeAll(false);
    expect(probes[0]!.state.healthy).toBe(true);
    expect(probes[1]!.state.healthy).toBe(false);
  });

  it("counts a probe that gets no answer within the timeout as a timeout", async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const upstream = upstreamFixture({ targets: [{ target: `127.0.0.1:${port}` }], healthchecks: { active: { timeout: 0.2, unhealthy: { timeouts: 1 } } } });
    const registry = new TargetRegistry();
    const state = registry.state(upstream, upstream.targets[0]!);
    await new ActiveHealthChecker(upstream, [{ state, host: "127.0.0.1", port }]).probeAll(true);
    expect(state.healthy).toBe(false);
  });
});
