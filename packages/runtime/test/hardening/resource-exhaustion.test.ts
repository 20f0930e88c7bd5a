/**
 * Resource exhaustion against a gateway served with short timeouts (headers 1 s, request 2 s): slow headers, slow
 * bodies, oversize headers and bodies, hundreds of idle connections, and a bound on the heap after the attack.
 */
import type { Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { definePlugin } from "@portcullis/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, startUpstream, type TestServer } from "../support.js";
import { closedWithin, delay, type HardenedGateway, openSocket, rawRequest, startHardenedGateway } from "./attack-support.js";

/** A plugin that buffers the body, as a signature or body-validation plugin would, with a 1 KiB limit. */
const bodyReader = definePlugin({
  name: "body-reader",
  version: "1.0.0",
  priority: 1000,
  configSchema: { type: "object", properties: {}, additionalProperties: false },
  create() {
    return {
      async access(ctx) {
        const body = await ctx.request.body({ limit: 1024 });
        ctx.upstream.setHeader("x-body-length", String(body.length));
      },
    };
  },
});

let upstream: TestServer;
let gateway: HardenedGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await startHardenedGateway(
    {
      plugins: [bodyReader],
      config: {
        _format_version: "3.0",
        services: [
          {
            name: "backend",
            url: upstream.url,
            routes: [
              { name: "all", paths: ["/"] },
              { name: "buffered", paths: ["/buffered"], plugins: [{ name: "body-reader" }] },
            ],
          },
        ],
      },
    },
    { headers: 1000, request: 2000, keepAlive: 1000 },
  );
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Writes `parts` one by one, `intervalMs` apart, until the socket closes; resolves with whether it closed. */
async function drip(socket: Socket, parts: readonly string[], intervalMs: number): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed || !socket.writable) return;
    socket.write(part);
    await delay(intervalMs);
  }
}

describe("slowloris", () => {
  it("a client that never finishes its headers is cut off by the headers timeout", async () => {
    const socket = await openSocket(gateway.port);
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("error", () => {});
    const started = Date.now();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    const dripping = drip(socket, Array.from({ length: 30 }, (_, index) => `X-Slow-${index}: a\r\n`), 200);
    const closed = await closedWithin(socket, 6_000);
    socket.destroy();
    await dripping;
    expect(closed).toBe(true);
    // Headers timeout (1 s) plus the server's 1 s check interval, with room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(6_000);
    const text = Buffer.concat(received).toString("latin1");
    if (text !== "") expect(text.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("a client that sends its body byte by byte is cut off by the request timeout, and nothing is forwarded whole", async () => {
    const before = upstream.requests.length;
    const socket = await openSocket(gateway.port);
    socket.on("error", () => {});
    socket.resume();
    socket.write("POST /slow-body HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n");
    const dripping = drip(socket, Array.from({ length: 40 }, () => "0123456789"), 200);
    const closed = await closedWithin(socket, 7_000);
    socket.destroy();
    await dripping;
    expect(closed).toBe(true);
    expect(upstream.requests.slice(before).filter((request) => request.url === "/slow-body")).toEqual([]);
  });
});

describe("oversize input", () => {
  it("headers past the 32 KiB limit get a 431 and a closed connection", async () => {
    const result = await rawRequest(gateway.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(40 * 1024)}\r\n\r\n`);
    expect(result.statuses).toEqual([431]);
    expect(result.closed).toBe(true);
  });

  it("many small headers adding up past the limit get a 431", async () => {
    const headers = Array.from({ length: 2000 }, (_, index) => `X-H${index}: ${"b".repeat(20)}\r\n`).join("");
    const result = await rawRequest(gateway.port, `GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    expect(result.statuses).toEqual([431]);
    expect(result.closed).toBe(true);
  });

  it("a declared body past a buffering plugin's limit gets a 413 and is not forwarded", async () => {
    const before = upstream.requests.length;
    const response = await send(`${gateway.url}/buffered`, { method: "POST", body: Buffer.alloc(256 * 1024, 97) });
    expect(response.status).toBe(413);
    expect(upstream.requests.length).toBe(before);
  });

  it("a chunked body that grows past the limit gets a 413 and is not forwarded", async () => {
    const before = upstream.requests.length;
    const chunk = `400\r\n${"c".repeat(1024)}\r\n`;
    const result = await rawRequest(gateway.port, [`POST /buffered HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`, chunk.repeat(64), "0\r\n\r\n"]);
    expect(result.statuses).toEqual([413]);
    expect(upstream.requests.length).toBe(before);
  });

  it("a body within the limit still reaches the upstream after buffering", async () => {
    const response = await send(`${gateway.url}/buffered`, { method: "POST", body: "small body" });
    expect(response.status).toBe(200);
    expect(upstream.requests.at(-1)!.headers["x-body-length"]).toBe("10");
    expect(upstream.requests.at(-1)!.body.toString()).toBe("small body");
  });
});

function collectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

describe("connection floods and memory", () => {
  it("500 idle connections do not starve a good client, and are reaped by the headers timeout", async () => {
    const idle: Socket[] = [];
    try {
      for (let batch = 0; batch < 10; batch++) {
        const opened = await Promise.all(Array.from({ length: 50 }, () => openSocket(gateway.port)));
        for (const socket of opened) socket.on("error", () => {});
        idle.push(...opened);
      }
      const statuses: number[] = [];
      for (let index = 0; index < 20; index++) statuses.push((await send(`${gateway.url}/good`)).status);
      expect(statuses.every((status) => status === 200)).toBe(true);
      const closed = await Promise.all(idle.map((socket) => closedWithin(socket, 6_000)));
      expect(closed.filter(Boolean).length).toBe(idle.length);
    } finally {
      for (const socket of idle) socket.destroy();
    }
  });

  it("heap growth after an attack stays bounded", async () => {
    const gc = collectGarbage();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const bigHeader = "h".repeat(8 * 1024);
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          index % 2 === 0
            ? send(`${gateway.url}/flood/${round}/${index}`, { headers: { "x-big": bigHeader } }).then((response) => expect(response.status).toBe(200))
            : send(`${gateway.url}/buffered`, { method: "POST", body: Buffer.alloc(8 * 1024) }).then((response) => expect(response.status).toBe(413)),
        ),
      );
    }
    await delay(100);
    gc();
    const growth = process.memoryUsage().heapUsed - baseline;
    // 500 requests carried ~2 MiB of headers and ~2 MiB of refused bodies; none of it may stay reachable.
    expect(growth).toBeLessThan(24 * 1024 * 1024);
  });
});
