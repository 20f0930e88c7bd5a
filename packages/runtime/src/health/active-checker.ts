import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { UpstreamEntity } from "../config/types.js";
import type { HealthOutcome } from "./health-counters.js";
import type { TargetState } from "./target-state.js";

export interface ProbeTarget {
  readonly state: TargetState;
  readonly host: string;
  readonly port: number;
}

type ProbeResult = { readonly outcome: HealthOutcome | undefined; readonly detail: string };

function formatHost(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/**
 * Kong's active health checks for one upstream: healthy targets are probed every `healthy.interval` seconds and
 * unhealthy ones every `unhealthy.interval` (0 disables that side), at most `concurrency` probes at a time. An
 * `http`/`https` probe is a GET of `http_path` (gRPC types probe over plain HTTP/1.1 the same way); a `tcp` probe
 * only connects. Timers are unref'd: probing never keeps a process alive.
 */
export class ActiveHealthChecker {
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #probing = new Set<TargetState>();
  #stopped = false;

  constructor(
    private readonly upstream: UpstreamEntity,
    private readonly targets: readonly ProbeTarget[],
  ) {}

  start(): void {
    const { healthy, unhealthy } = this.upstream.healthchecks.active;
    if (healthy.interval > 0) this.#every(healthy.interval, true);
    if (unhealthy.interval > 0) this.#every(unhealthy.interval, false);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.length = 0;
  }

  #every(seconds: number, healthy: boolean): void {
    const timer = setInterval(() => void this.probeAll(healthy), seconds * 1000);
    timer.unref();
    this.#timers.push(timer);
  }

  /** Probes every target currently in the given health state; resolves when all probes ended. */
  async probeAll(healthy: boolean): Promise<void> {
    const queue = this.targets.filter((target) => target.state.healthy === healthy && !this.#probing.has(target.state));
    const workers = Math.min(queue.length, this.upstream.healthchecks.active.concurrency);
    const work = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        this.#probing.add(next.state);
        try {
          const result = await this.#probe(next);
          if (!this.#stopped && result.outcome !== undefined) next.state.recordProbe(result.outcome, result.detail);
        } finally {
          this.#probing.delete(next.state);
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
  }

  #probe(target: ProbeTarget): Promise<ProbeResult> {
    const active = this.upstream.healthchecks.active;
    const timeout = active.timeout * 1000;
    if (active.type === "tcp") return probeTcp(target, timeout);
    const secure = active.type === "https" || active.type === "grpcs";
    const defaultPort = secure ? 443 : 80;
    const authority = target.port === defaultPort ? formatHost(target.host) : `${formatHost(target.host)}:${target.port}`;
    const headers: Record<string, string | string[]> = { host: this.upstream.hostHeader ?? authority, "user-agent": "portcullis-health-check" };
    for (const [name, values] of Object.entries(active.headers ?? {})) headers[name.toLowerCase()] = [...values];
    return new Promise<ProbeResult>((resolve) => {
      let settled = false;
      const settle = (result: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const send = secure ? httpsRequest : httpRequest;
      const request = send({
        host: target.host,
        port: target.port,
        method: "GET",
        path: active.http_path,
        headers,
        agent: false,
        ...(secure ? { rejectUnauthorized: active.https_verify_certificate, servername: active.https_sni ?? undefined } : {}),
      });
      const timer = setTimeout(() => {
        settle({ outcome: "timeout", detail: `no answer within ${active.timeout}s` });
        request.destroy();
      }, timeout);
      timer.unref();
      request.on("response", (response) => {
        response.resume();
        response.on("error", () => undefined);
        const status = response.statusCode ?? 0;
        settle({ outcome: target.state.policy.activeOutcome(status), detail: `HTTP ${status}` });
        response.destroy();
      });
      request.on("error", (error: NodeJS.ErrnoException) => settle({ outcome: "tcp", detail: error.code ?? error.message }));
      request.end();
    });
  }
}

function probeTcp(target: ProbeTarget, timeout: number): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeout, () => finish({ outcome: "timeout", detail: "connect timed out" }));
    socket.once("connect", () => finish({ outcome: "success", detail: "connected" }));
    socket.once("error", (error: NodeJS.ErrnoException) => finish({ outcome: "tcp", detail: error.code ?? error.message }));
  });
}
