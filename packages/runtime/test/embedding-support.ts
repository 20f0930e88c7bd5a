import { connect } from "node:net";
import { definePlugin, type Timings } from "@portcullis/sdk";
import { SignJWT } from "jose";

/** Shared by the embedding tests: a config, test plugins and a raw-socket client. */

export const jwtSecret = "embedding-test-secret-of-32-bytes!!";
export const appOrigin = "https://app.example.com";

export function mintToken(issuer = "alice-issuer"): Promise<string> {
  return new SignJWT({ sub: "alice" })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(issuer)
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(jwtSecret));
}

export interface LogRecord {
  readonly path: string;
  readonly status: number;
  readonly source: string;
  readonly consumer: string | undefined;
  readonly timings: Timings;
}

/** A log-phase plugin that records what it saw, and a bodyFilter that upper-cases text and counts chunks. */
export function testPlugins() {
  const logs: LogRecord[] = [];
  const filtered = { chunks: 0 };
  const recorder = definePlugin({
    name: "recorder",
    version: "1.0.0",
    priority: 1,
    configSchema: { type: "object" },
    create: () => ({
      log(ctx) {
        logs.push({ path: ctx.request.path, status: ctx.response.status, source: ctx.response.source, consumer: ctx.consumer?.username, timings: ctx.timings });
      },
    }),
  });
  const upperCase = definePlugin({
    name: "upper-case",
    version: "1.0.0",
    priority: 5,
    configSchema: { type: "object" },
    create: () => ({
      headerFilter(ctx) {
        ctx.response.setHeader("x-filtered", "upper-case");
      },
      async bodyFilter(_ctx, chunk) {
        if (chunk.length > 0) filtered.chunks++;
        // Asynchronous on purpose: the app must wait for each filtered write before it sends more.
        await new Promise((resolve) => setImmediate(resolve));
        return chunk.toString("latin1").toUpperCase();
      },
    }),
  });
  const failing = definePlugin({
    name: "failing",
    version: "1.0.0",
    priority: 3,
    configSchema: { type: "object", properties: { phase: { type: "string" } } },
    create: (config: { phase?: string }) => ({
      access() {
        if (config.phase === "access") throw new Error("secret internal detail in access");
      },
      headerFilter() {
        if (config.phase === "headerFilter") throw new Error("secret internal detail in headerFilter");
      },
    }),
  });
  return { plugins: [recorder, upperCase, failing], logs, filtered };
}

/**
 * Routes select plugins: /orders needs a JWT and is rate limited, /stream is upper-cased, /broken/* fail in a
 * phase; cors and the recorder are global. Any other path matches no route and must pass through untouched.
 */
export function embeddingConfig(options: { readonly minute?: number; readonly ordersRoute?: string } = {}): Record<string, unknown> {
  return {
    _format_version: "3.0",
    routes: [
      {
        // Local rate-limit counters outlive a gateway (as Kong's shared dictionary does) and are keyed by route.
        name: options.ordersRoute ?? "orders",
        paths: ["/orders"],
        plugins: [{ name: "jwt" }, { name: "rate-limiting", config: { minute: options.minute ?? 100, policy: "local", limit_by: "ip" } }],
      },
      { name: "stream", paths: ["/stream"], plugins: [{ name: "upper-case" }] },
      { name: "broken-access", paths: ["/broken/access"], plugins: [{ name: "failing", config: { phase: "access" } }] },
      { name: "broken-head", paths: ["/broken/head"], plugins: [{ name: "failing", config: { phase: "headerFilter" } }] },
    ],
    plugins: [
      { name: "cors", config: { origins: [appOrigin], exposed_headers: ["x-request-id"] } },
      { name: "recorder" },
    ],
    consumers: [{ username: "alice", jwt_secrets: [{ key: "alice-issuer", secret: jwtSecret }] }],
  };
}

/** Sends raw bytes and returns every byte the server sent until it closed the connection. */
export function rawExchange(port: number, request: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error("raw exchange timed out")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.write(request);
  });
}

export function maskDate(response: Buffer): string {
  return response.toString("latin1").replace(/\r\ndate: [^\r]*/i, "\r\nDate: <masked>");
}

export const rawGet = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

/** How many chunks the slow-client test makes: 32 MiB, more than loopback socket buffers hold. */
export const bigStreamChunks = 2048;

export interface StalledRead {
  /** What the app had produced 300 ms and 600 ms after the client stopped reading. */
  readonly whilePaused: readonly [number, number];
  readonly bytes: number;
  readonly tail: string;
}

/**
 * Reads a response over a raw socket but stops reading after its first bytes for 600 ms: with backpressure
 * intact, the app stops producing while the client is not reading.
 */
export function stalledRead(port: number, path: string, produced: () => number): Promise<StalledRead> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let bytes = 0;
    let tail = "";
    const whilePaused: number[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error("stalled read timed out")));
    socket.once("data", () => {
      socket.pause();
      setTimeout(() => whilePaused.push(produced()), 300);
      setTimeout(() => {
        whilePaused.push(produced());
        socket.resume();
      }, 600);
    });
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString("latin1")).slice(-64);
    });
    socket.on("error", reject);
    socket.on("end", () => resolve({ whilePaused: [whilePaused[0] ?? -1, whilePaused[1] ?? -1], bytes, tail }));
    socket.write(rawGet(path));
  });
}

/** The size and content of the streamed test response: 256 chunks of 16 KiB of lower-case text. */
export const streamChunk = Buffer.alloc(16 * 1024, "abcdefgh");
export const streamChunks = 256;

/** Writes `count` test chunks with res.write, waiting for drain whenever write returns false. */
export function writeStream(
  response: NodeJS.WritableStream & { end(): unknown },
  count: number,
  progress: { written: number; waits: number },
): void {
  let sent = 0;
  const pump = () => {
    while (sent < count) {
      sent++;
      progress.written++;
      if (!response.write(streamChunk)) {
        progress.waits++;
        response.once("drain", pump);
        return;
      }
    }
    response.end();
  };
  pump();
}
