import { type ChildProcess, spawn } from "node:child_process";
import type { Server } from "node:http";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import { createHttpServer, createLogger, type Gateway, type GatewayOptions, type ServerTimeouts } from "../../src/index.js";
import { startGateway } from "../support.js";

/** A gateway served the way `portcullis start` serves it (createHttpServer, its timeouts and its clientError answer). */
export interface HardenedGateway {
  readonly url: string;
  readonly port: number;
  readonly gateway: Gateway;
  readonly server: Server;
  /** Every log line the gateway wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startHardenedGateway(options: GatewayOptions, timeouts?: ServerTimeouts): Promise<HardenedGateway> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: "debug",
    sink: {
      write(text: string) {
        for (const line of text.split("\n")) if (line !== "") logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  });
  const started = await startGateway({ logger, ...options }, (listener) => createHttpServer(listener, timeouts));
  return { ...started, logs };
}

export interface RawResult {
  /** Everything the server sent, as latin1 text. */
  readonly text: string;
  /** True when the server closed the connection before the deadline. */
  readonly closed: boolean;
  /** The status codes of every response in `text`, in order. */
  readonly statuses: number[];
}

/**
 * Writes raw bytes on a fresh connection and collects what comes back until the server closes the connection or
 * `waitMs` passes. Used for requests no well-behaved client library would produce.
 */
export function rawRequest(port: number, payload: string | Buffer | readonly (string | Buffer)[], waitMs = 2_000): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((match) => Number(match[1]));
      resolve({ text, closed, statuses });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("connect", () => {
      for (const part of typeof payload === "string" || Buffer.isBuffer(payload) ? [payload] : payload) socket.write(part);
    });
  });
}

/** Opens a connection and resolves once it is established; the caller owns it. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Resolves when the socket closes, or with false after `waitMs`. */
export function closedWithin(socket: Socket, waitMs: number): Promise<boolean> {
  if (socket.destroyed || socket.readyState === "closed") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Log lines at `level` whose message contains `fragment`. */
export function logsMatching(logs: readonly Record<string, unknown>[], level: string, fragment: string): Record<string, unknown>[] {
  return logs.filter((line) => line.level === level && typeof line.message === "string" && line.message.includes(fragment));
}

/**
 * A real redis-server on a free loopback port, stopped and restarted by PID. The same approach as the rate-limiting
 * package's own Redis tests; kept here because this package's type check covers only its own files.
 */
export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

function redisAnswersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => finish(false));
    socket.once("error", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) finish(answer.startsWith("+PONG"));
    });
    socket.once("connect", () => socket.write("PING\r\n"));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const spawned = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    child = spawned;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      if (spawned.exitCode !== null) throw new Error(`redis-server exited with code ${spawned.exitCode} (is it installed?)`);
      if (await redisAnswersPing(port)) return;
      await delay(25);
    }
    throw new Error(`redis-server on port ${port} did not answer PING within 5 s`);
  };
  await start();
  return {
    port,
    start,
    async stop() {
      const running = child;
      if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGKILL");
      await exited;
    },
  };
}
