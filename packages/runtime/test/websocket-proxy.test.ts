import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { definePlugin } from "@portcullis/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createGateway, type RunningGateway, serveGateway } from "../src/index.js";

interface LoggedHandshake {
  readonly status: number;
  readonly path: string;
  readonly consumer: string | undefined;
}

function logRecorder(seen: LoggedHandshake[]) {
  return definePlugin({
    name: "log-recorder",
    version: "1.0.0",
    priority: 1,
    configSchema: { type: "object" },
    create: () => ({
      headerFilter(ctx) {
        ctx.response.setHeader("x-filtered", "yes");
      },
      log(ctx) {
        seen.push({ status: ctx.response.status, path: ctx.request.path, consumer: ctx.consumer?.username });
      },
    }),
  });
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5_000 });
    socket.once("upgrade", (response) => socket.once("open", () => resolve({ socket, response })));
    socket.once("unexpected-response", (_request, response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => reject(Object.assign(new Error(`unexpected response ${response.statusCode}`), { status: response.statusCode, body })));
    });
    socket.once("error", reject);
  });
}

function nextMessage(socket: WebSocket): Promise<string> {
  return new Promise((resolve) => socket.once("message", (data: Buffer) => resolve(data.toString())));
}

describe("WebSocket upgrades through the gateway", () => {
  let upstream: WebSocketServer;
  const upstreamHandshakes: IncomingMessage[] = [];
  let running: RunningGateway;
  let base: string;
  const logged: LoggedHandshake[] = [];

  beforeAll(async () => {
    upstream = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => upstream.once("listening", () => resolve()));
    upstream.on("connection", (socket, request) => {
      upstreamHandshakes.push(request);
      socket.on("message", (data: Buffer) => socket.send(`echo:${data.toString()}`));
    });
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const gateway = await createGateway({
      logger: false,
      accessLog: false,
      plugins: [logRecorder(logged)],
      config: {
        _format_version: "3.0",
        services: [
          {
            name: "chat",
            url: `http://127.0.0.1:${upstreamPort}/socket`,
            routes: [
              { name: "open", paths: ["/open"] },
              { name: "secured", paths: ["/secured"], plugins: [{ name: "jwt" }] },
            ],
          },
        ],
        plugins: [{ name: "log-recorder" }],
      },
    });
    running = await serveGateway(gateway, { host: "127.0.0.1", port: 0 });
    base = `ws://127.0.0.1:${running.address.port}`;
  });

  afterAll(async () => {
    await running.close(2_000);
    for (const client of upstream.clients) client.terminate();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it("relays messages both ways, after a handshake the upstream saw with the proxy headers", async () => {
    const { socket, response } = await openSocket(`${base}/open/room?id=7`);
    try {
      expect(response.headers["x-filtered"]).toBe("yes");
      socket.send("hello");
      expect(await nextMessage(socket)).toBe("echo:hello");
      socket.send("again");
      expect(await nextMessage(socket)).toBe("echo:again");
      const handshake = upstreamHandshakes.at(-1)!;
      expect(handshake.url).toBe("/socket/room?id=7");
      expect(handshake.headers["x-forwarded-for"]).toBe("127.0.0.1");
      expect(handshake.headers.via).toBe("1.1 portcullis");
    } finally {
      socket.close();
    }
  });

  it("answers a handshake that access rejects with a normal HTTP response", async () => {
    const before = upstreamHandshakes.length;
    const failure = await openSocket(`${base}/secured`).then(
      () => undefined,
      (error: { status?: number; body?: string }) => error,
    );
    expect(failure?.status).toBe(401);
    expect(JSON.parse(failure?.body ?? "{}")).toEqual({ message: "Unauthorized" });
    expect(upstreamHandshakes.length).toBe(before);
    await expect.poll(() => logged.filter((entry) => entry.path === "/secured").map((entry) => entry.status), { timeout: 2_000 }).toEqual([401]);
  });

  it("runs the log phase once the connection closes cleanly", async () => {
    const { socket } = await openSocket(`${base}/open/closing`);
    socket.send("bye");
    await nextMessage(socket);
    expect(logged.some((entry) => entry.path === "/open/closing")).toBe(false);
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.close(1000, "done");
    expect(await closed).toBe(1000);
    await expect.poll(() => logged.filter((entry) => entry.path === "/open/closing"), { timeout: 2_000 }).toEqual([{ status: 101, path: "/open/closing", consumer: undefined }]);
  });

  it("answers a handshake no route selects with 404", async () => {
    const failure = await openSocket(`${base}/nowhere`).then(
      () => undefined,
      (error: { status?: number }) => error,
    );
    expect(failure?.status).toBe(404);
  });
});
