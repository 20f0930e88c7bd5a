import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { createAdminServer } from "../src/admin.js";
import type { TargetStatus } from "../src/targets.js";
import { closeServer, listenOnLoopback, send, startGateway, type TestGateway } from "./support.js";
import { answerWithName, countBodies, type NamedUpstream, refusedPort, sendMany, startNamedUpstream, upstreamConfig, waitFor } from "./upstreams-support.js";

describe("target health, retries and circuits with real upstreams", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function upstreamsNamed(...names: string[]): Promise<NamedUpstream[]> {
    const started = await Promise.all(names.map((name) => startNamedUpstream(name)));
    cleanups.push(() => Promise.all(started.map((upstream) => upstream.close())).then(() => undefined));
    return started;
  }
  async function gatewayWith(config: Record<string, unknown>, now?: () => number): Promise<TestGateway> {
    const gateway = await startGateway({ config, ...(now === undefined ? {} : { now }) });
    cleanups.push(() => gateway.close());
    return gateway;
  }
  const status = (gateway: TestGateway, address: string): TargetStatus | undefined =>
    gateway.gateway.snapshot().targets.describe().find((target) => target.target === address);

  it("ejects a killed target with no 5xx for GETs: in-flight and later requests are retried on another target", async () => {
    const [a, b, c] = await upstreamsNamed("a", "b", "c");
    const gateway = await gatewayWith(upstreamConfig({ targets: [a, b, c].map((upstream) => ({ target: upstream!.target })) }));
    let sent = 0;
    const results = await sendMany(`${gateway.url}/x`, 300, 8, () => {
      if (++sent === 100) void b!.close();
      return {};
    });
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(countBodies(results.slice(0, 90)).b).toBeGreaterThan(20);
    const late = countBodies(results.slice(200));
    expect(late.b).toBeUndefined();
    expect(status(gateway, b!.target)?.circuit).toBe("open");
    expect(gateway.gateway.metrics.render()).toContain(`portcullis_target_health_changes_total{target="pool.internal/${b!.target}",state="circuit_open"} 1`);
  });

  it("retries on another target, and by the method and body rules", async () => {
    const [good] = await upstreamsNamed("good");
    const resetting = (await upstreamsNamed("reset"))[0]!;
    resetting.behaviour = (request) => request.socket.destroy();
    const refused = await refusedPort();
    // Smooth round-robin starts with the first target: each request below tries the failing one first.
    const config = (failing: string) => upstreamConfig({ targets: [{ target: failing }, { target: good!.target }] });

    const refusing = await gatewayWith(config(`127.0.0.1:${refused}`));
    expect((await send(`${refusing.url}/x`, { method: "POST" })).text()).toBe("good");
    await refusing.gateway.reload(config(`127.0.0.1:${refused}`));
    // A streamed body may be partly consumed by the failed attempt: it is never sent twice.
    expect((await send(`${refusing.url}/x`, { method: "POST", body: "payload" })).status).toBe(502);

    const reset = await gatewayWith(config(resetting.target));
    const get = await send(`${reset.url}/x`);
    expect([get.status, get.text()]).toEqual([200, "good"]);
    await reset.gateway.reload(config(resetting.target));
    // The request may have reached the target before the reset: a POST is not repeated.
    expect((await send(`${reset.url}/x`, { method: "POST" })).status).toBe(502);
    await reset.gateway.reload(config(resetting.target));
    expect((await send(`${reset.url}/x`, { method: "DELETE" })).text()).toBe("good");
  });

  it("answers 503 with Kong's message when no healthy target is left", async () => {
    const [first, second] = await Promise.all([refusedPort(), refusedPort()]);
    const gateway = await gatewayWith(
      upstreamConfig({
        targets: [{ target: `127.0.0.1:${first}` }, { target: `127.0.0.1:${second}` }],
        healthchecks: { passive: { unhealthy: { tcp_failures: 1 } } },
      }),
    );
    const response = await send(`${gateway.url}/x`, { headers: { accept: "application/json" } });
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ message: "The upstream server is currently unavailable" });
    expect(gateway.gateway.snapshot().targets.describe().map((target) => target.health)).toEqual(["unhealthy", "unhealthy"]);
  });

  it("takes a target out with active checks and back when it recovers, and lists its health in admin /status", async () => {
    const [a, b] = await upstreamsNamed("a", "b");
    let healthStatus = 200;
    a!.behaviour = (request, response) => {
      if (request.url === "/health") {
        response.writeHead(healthStatus);
        response.end();
      } else answerWithName("a")(request, response);
    };
    const gateway = await gatewayWith(
      upstreamConfig({
        targets: [{ target: a!.target }, { target: b!.target }],
        healthchecks: {
          active: { http_path: "/health", timeout: 1, healthy: { interval: 0.05, successes: 2 }, unhealthy: { interval: 0.05, http_failures: 2 } },
        },
      }),
    );
    const admin: Server = createAdminServer(gateway.gateway);
    const adminPort = await listenOnLoopback(admin);
    cleanups.push(() => closeServer(admin));
    const adminTargets = async () => (await send(`http://127.0.0.1:${adminPort}/status`)).json<{ targets: TargetStatus[] }>().targets;

    expect(countBodies(await sendMany(`${gateway.url}/x`, 20, 2))).toEqual({ a: 10, b: 10 });
    healthStatus = 500;
    await waitFor(() => status(gateway, a!.target)?.health === "unhealthy", 5_000, "target a to be marked unhealthy");
    expect((await adminTargets()).map((target) => [target.target, target.health])).toEqual([
      [a!.target, "unhealthy"],
      [b!.target, "healthy"],
    ]);
    expect(countBodies(await sendMany(`${gateway.url}/x`, 20, 2))).toEqual({ b: 20 });
    healthStatus = 200;
    await waitFor(() => status(gateway, a!.target)?.health === "healthy", 5_000, "target a to be healthy again");
    expect(countBodies(await sendMany(`${gateway.url}/x`, 20, 2)).a).toBeGreaterThan(0);
    const metrics = gateway.gateway.metrics.render();
    expect(metrics).toContain(`portcullis_target_health_changes_total{target="pool.internal/${a!.target}",state="unhealthy"} 1`);
    expect(metrics).toContain(`portcullis_target_health_changes_total{target="pool.internal/${a!.target}",state="healthy"} 1`);
  });

  it("opens a circuit after consecutive failures, probes it half-open after the cool-down, closes it on success, and keeps it across a reload", async () => {
    const [flaky, steady] = await upstreamsNamed("flaky", "steady");
    flaky!.behaviour = (request) => request.socket.destroy();
    let clock = 1_000_000;
    const config = upstreamConfig({ targets: [{ target: flaky!.target }, { target: steady!.target }] });
    const gateway = await gatewayWith(config, () => clock);

    const results = await sendMany(`${gateway.url}/x`, 12, 1);
    expect(results.every((result) => result.status === 200 && result.body === "steady")).toBe(true);
    expect(flaky!.hits).toBe(5);
    expect(status(gateway, flaky!.target)?.circuit).toBe("open");
    await gateway.gateway.reload(config);
    expect(status(gateway, flaky!.target)?.circuit).toBe("open");

    clock += 10_000;
    flaky!.behaviour = answerWithName("flaky");
    const afterCoolDown = countBodies(await sendMany(`${gateway.url}/x`, 10, 1));
    expect(afterCoolDown.flaky).toBeGreaterThanOrEqual(4);
    expect(status(gateway, flaky!.target)?.circuit).toBe("closed");
    const metrics = gateway.gateway.metrics.render();
    for (const state of ["circuit_open", "circuit_half_open", "circuit_closed"]) {
      expect(metrics).toContain(`portcullis_target_health_changes_total{target="pool.internal/${flaky!.target}",state="${state}"} 1`);
    }
  });
});
