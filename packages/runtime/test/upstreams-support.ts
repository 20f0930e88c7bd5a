import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback, send } from "./support.js";

/** A named upstream on 127.0.0.1 that answers with its name; `behaviour` can be swapped while it runs. */
export interface NamedUpstream {
  readonly name: string;
  readonly port: number;
  readonly target: string;
  hits: number;
  behaviour: (request: IncomingMessage, response: ServerResponse) => void;
  close(): Promise<void>;
}

export function answerWithName(name: string, delayMs = 0) {
  return (_request: IncomingMessage, response: ServerResponse) => {
    const answer = () => {
      response.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(name) });
      response.end(name);
    };
    if (delayMs === 0) answer();
    else setTimeout(answer, delayMs);
  };
}

export async function startNamedUpstream(name: string, delayMs = 0): Promise<NamedUpstream> {
  let closed = false;
  const upstream: NamedUpstream = {
    name,
    port: 0,
    target: "",
    hits: 0,
    behaviour: answerWithName(name, delayMs),
    async close() {
      if (closed) return;
      closed = true;
      await closeServer(server);
    },
  };
  const server = createServer((request, response) => {
    upstream.hits++;
    upstream.behaviour(request, response);
  });
  const port = await listenOnLoopback(server);
  Object.assign(upstream, { port, target: `127.0.0.1:${port}` });
  return upstream;
}

/** A loopback port nothing listens on: connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return port;
}

/** A config with one service balanced over an upstream named `pool.internal`. */
export function upstreamConfig(upstream: Record<string, unknown>, service: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _format_version: "3.0",
    upstreams: [{ name: "pool.internal", ...upstream }],
    services: [{ name: "backend", host: "pool.internal", port: 80, protocol: "http", connect_timeout: 2000, ...service, routes: [{ name: "all", paths: ["/"] }] }],
  };
}

/** Sends `total` requests, `concurrency` at a time; returns the status and body of each. */
export async function sendMany(
  url: string,
  total: number,
  concurrency: number,
  options: (index: number) => Parameters<typeof send>[1] = () => ({}),
): Promise<{ status: number; body: string }[]> {
  const results: { status: number; body: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const response = await send(url, options(index));
      results[index] = { status: response.status, body: response.text() };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

export function countBodies(results: readonly { body: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { body } of results) counts[body] = (counts[body] ?? 0) + 1;
  return counts;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
