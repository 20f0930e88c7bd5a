/**
 * Faults around the gateway: an upstream that dies or lies, a Redis that disappears and returns, reloads under load,
 * and plugins that throw in every phase. Nothing crashes; each failure gets its documented status and a log line.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import { definePlugin } from "@portcullis/sdk";
import { Agent, request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, startUpstream, type TestServer } from "../support.js";
import { delay, type HardenedGateway, logsMatching, type RedisServer, rawRequest, startHardenedGateway, startRedisServer } from "./attack-support.js";

/** An upstream that answers every connection with fixed raw bytes, then closes (or not). */
async function startRawUpstream(answer: (socket: Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.once("data", () => answer(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("an upstream that dies or sends a malformed response", () => {
  const answers: Record<string, (socket: Socket) => void> = {
    "dies-mid-response": (socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\npartial");
      setTimeout(() => socket.destroy(), 50);
    },
    "dies-before-answering": (socket) => socket.destroy(),
    "bad-status-line": (socket) => socket.end("HTTP/1.1 abc Nope\r\nContent-Length: 0\r\n\r\n"),
    "not-http": (socket) => socket.end("SSH-2.0-OpenSSH_9.0\r\n"),
    "invalid-header": (socket) => socket.end("HTTP/1.1 200 OK\r\nX-Broken header without colon\r\nContent-Length: 2\r\n\r\nok"),
    "header-with-bare-cr": (socket) => socket.end("HTTP/1.1 200 OK\r\nX-Injected: a\rSet-Cookie: stolen=1\r\nContent-Length: 2\r\n\r\nok"),
    "content-length-too-long": (socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b"),
    "content-length-and-chunked": (socket) =>
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
    "conflicting-content-length": (socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nhello"),
    "invalid-chunk": (socket) => socket.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
  };
  const upstreams = new Map<string, { url: string; close(): Promise<void> }>();
  let gateway: HardenedGateway;

  beforeAll(async () => {
    for (const [name, answer] of Object.entries(answers)) upstreams.set(name, await startRawUpstream(answer));
    const healthy = await startUpstream();
    upstreams.set("healthy", { url: healthy.url, close: () => healthy.close() });
    gateway = await startHardenedGateway({
      config: {
        _format_version: "3.0",
        services: [...upstreams].map(([name, upstream]) => ({ name, url: upstream.url, retries: 0, read_timeout: 2000, routes: [{ name, paths: [`/${name}`] }] })),
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    for (const upstream of upstreams.values()) await upstream.close();
  });

  /** Failures caught before the response head: a clean 502 and a logged error. */
  const beforeHead = [
    "dies-before-answering",
    "bad-status-line",
    "not-http",
    "invalid-header",
    "header-with-bare-cr",
    "content-length-and-chunked",
    "conflicting-content-length",
  ];

  it.each(beforeHead)("%s: 502 with a log line", async (name) => {
    const logged = gateway.logs.length;
    const response = await send(`${gateway.url}/${name}`);
    expect(response.status).toBe(502);
    expect(response.headers["set-cookie"]).toBeUndefined();
    await delay(20);
    expect(logsMatching(gateway.logs.slice(logged), "error", "upstream request failed")).toHaveLength(1);
  });

  /** Failures after the head went out: the only honest answer left is to cut the client connection. */
  it.each(["dies-mid-response", "content-length-too-long", "invalid-chunk"])("%s: the client sees a truncated, closed response and a log line", async (name) => {
    const logged = gateway.logs.length;
    const result = await rawRequest(gateway.port, `GET /${name} HTTP/1.1\r\nHost: x\r\n\r\n`, 4_000);
    expect(result.closed).toBe(true);
    const head = result.statuses[0];
    if (head === undefined) {
      // The head was written but not yet flushed when the body failed: the connection is cut with no response.
      expect(result.text).toBe("");
    } else if (head === 200) {
      // The head was sent with a length or chunking the body never completes: the client can tell it is cut.
      expect(result.text.endsWith("0\r\n\r\n")).toBe(false);
    } else {
      expect(head).toBe(502);
    }
    await delay(20);
    expect(logsMatching(gateway.logs.slice(logged), "error", "upstream").length).toBeGreaterThanOrEqual(1);
  });

  it("keeps serving healthy routes after all of it", async () => {
    const response = await send(`${gateway.url}/healthy`);
    expect(response.status).toBe(200);
  });
});

describe("plugins that throw in each phase", () => {
  const phases = ["access", "headerFilter", "bodyFilter", "log"] as const;
  const asynchronous = [false, true];
  const plugins = phases.flatMap((phase) =>
    asynchronous.map((isAsync) =>
      definePlugin({
        name: `throws-in-${phase.toLowerCase()}${isAsync ? "-async" : ""}`,
        version: "1.0.0",
        priority: 100,
        configSchema: { type: "object", properties: {}, additionalProperties: false },
        create() {
          const fail = () => {
            const error = new Error(`boom in ${phase}`);
            if (isAsync) return Promise.reject(error);
            throw error;
          };
          return { [phase]: fail };
        },
      }),
    ),
  );
  let upstream: TestServer;
  let gateway: HardenedGateway;

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startHardenedGateway({
      plugins,
      config: {
        _format_version: "3.0",
        services: [
          {
            name: "backend",
            url: upstream.url,
            routes: [
              ...plugins.map((plugin) => ({ name: plugin.name, paths: [`/${plugin.name}`], plugins: [{ name: plugin.name }] })),
              { name: "healthy", paths: ["/healthy"] },
            ],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  const expectations: Record<(typeof phases)[number], { status: number | "cut"; log: string }> = {
    access: { status: 500, log: "access handler failed" },
    headerFilter: { status: 500, log: "headerFilter handler failed" },
    bodyFilter: { status: "cut", log: "bodyFilter handler failed" },
    log: { status: 200, log: "log handler failed" },
  };

  for (const phase of phases) {
    for (const isAsync of asynchronous) {
      const name = `throws-in-${phase.toLowerCase()}${isAsync ? "-async" : ""}`;
      it(`${name}: ${expectations[phase].status}, a log line, and the gateway keeps serving`, async () => {
        const logged = gateway.logs.length;
        const result = await rawRequest(gateway.port, `GET /${name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 4_000);
        const expected = expectations[phase].status;
        if (expected === "cut") {
          // The head may already be out; the body must not complete as if nothing happened.
          expect(result.closed).toBe(true);
          expect(result.text.endsWith("0\r\n\r\n")).toBe(false);
        } else {
          expect(result.statuses).toEqual([expected]);
          if (expected === 500) expect(result.text).toContain("An unexpected error occurred");
        }
        await delay(20);
        const lines = logsMatching(gateway.logs.slice(logged), "error", expectations[phase].log);
        expect(lines).toHaveLength(1);
        expect(lines[0]!.plugin).toBe(name);
        expect((await send(`${gateway.url}/healthy`)).status).toBe(200);
      });
    }
  }
});

describe("Redis disappears and returns (rate-limiting, redis policy)", () => {
  let redis: RedisServer;
  let upstream: TestServer;
  let gateway: HardenedGateway;

  beforeAll(async () => {
    redis = await startRedisServer();
    upstream = await startUpstream();
    gateway = await startHardenedGateway({
      config: {
        _format_version: "3.0",
        services: [{ name: "backend", url: upstream.url, routes: [{ name: "all", paths: ["/"] }] }],
        plugins: [{ name: "rate-limiting", config: { minute: 3, policy: "redis", limit_by: "ip", redis: { host: "127.0.0.1", port: redis.port, timeout: 300 } } }],
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it("limits while up, lets traffic through with a warning while down, and limits again when back", async () => {
    const up = [];
    for (let index = 0; index < 4; index++) up.push((await send(`${gateway.url}/up`)).status);
    expect(up).toEqual([200, 200, 200, 429]);

    await redis.stop();
    const logged = gateway.logs.length;
    const startedDown = Date.now();
    const down = [];
    for (let index = 0; index < 4; index++) down.push((await send(`${gateway.url}/down`)).status);
    expect(down).toEqual([200, 200, 200, 200]);
    // Each answer waits at most about the Redis timeout, never the client's patience.
    expect(Date.now() - startedDown).toBeLessThan(4 * 1500);
    await delay(20);
    expect(gateway.logs.slice(logged).some((line) => line.level === "warn" && String(line.message).includes("counter store failed"))).toBe(true);

    // A fresh Redis (empty) on the same port: counting resumes without a reload.
    await redis.start();
    const deadline = Date.now() + 8_000;
    let limited = false;
    while (Date.now() < deadline && !limited) {
      limited = (await send(`${gateway.url}/back`)).status === 429;
      if (!limited) await delay(50);
    }
    expect(limited).toBe(true);
  });
});

describe("reload under load", () => {
  it("answers ~300 requests across 5 reloads with zero failures", async () => {
    const first = await startUpstream();
    const second = await startUpstream();
    const config = (url: string, version: number) => ({
      _format_version: "3.0",
      services: [{ name: "backend", url, routes: [{ name: `all-${version}`, paths: ["/"] }] }],
      plugins: [{ name: "cors", config: { origins: [`https://v${version}.example.test`] } }],
    });
    const gateway = await startHardenedGateway({ config: config(first.url, 0) });
    const agent = new Agent({ connections: 16 });
    try {
      const failures: string[] = [];
      let completed = 0;
      const worker = async () => {
        while (completed < 300) {
          completed++;
          try {
            const response = await undiciRequest(`${gateway.url}/load`, { dispatcher: agent, headersTimeout: 5_000, bodyTimeout: 5_000 });
            await response.body.text();
            if (response.statusCode !== 200) failures.push(`status ${response.statusCode}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      };
      const reloads = (async () => {
        for (let version = 1; version <= 5; version++) {
          await delay(30);
          await gateway.gateway.reload(config(version % 2 === 0 ? first.url : second.url, version));
        }
      })();
      await Promise.all([...Array.from({ length: 8 }, worker), reloads]);
      expect(failures).toEqual([]);
      expect(gateway.gateway.status().configVersion).toBe(6);
      expect(first.requests.length + second.requests.length).toBeGreaterThanOrEqual(300);
      expect(second.requests.length).toBeGreaterThan(0);
      expect(logsMatching(gateway.logs, "info", "config reloaded")).toHaveLength(5);
    } finally {
      await agent.close();
      await gateway.close();
      await first.close();
      await second.close();
    }
  });
});
