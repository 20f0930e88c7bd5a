import type { Logger } from "@portcullis/sdk";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Server as NetServer, Socket } from "node:net";
import type { Gateway } from "./gateway.js";
import { hasDuplicateHost } from "./headers.js";
import { createListener, type ListenerTls } from "./listener.js";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export interface ServerTimeouts {
  /** Milliseconds to receive a request's headers; defends against slowloris. Default 10 s. */
  readonly headers?: number;
  /** Milliseconds to receive a whole request (headers and body). Default 120 s. */
  readonly request?: number;
  /** Milliseconds an idle keep-alive connection stays open. Default 5 s. */
  readonly keepAlive?: number;
}

export function parseListen(value: string, fallbackHost = "127.0.0.1"): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]+))?:?(\d+)$/.exec(value.trim());
  if (match === null) throw new Error(`invalid listen address '${value}': expected HOST:PORT or PORT`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid port in '${value}'`);
  return { host: match[1] ?? match[2] ?? fallbackHost, port };
}

type Listener = NonNullable<Parameters<typeof createServer>[1]>;

const badRequestBody = JSON.stringify({ message: "Bad Request" });

/** Creates a node:http server for a listener, with timeouts that bound slow clients. */
export function createHttpServer(listener: Listener, timeouts: ServerTimeouts = {}, logger?: Logger): Server {
  const headersTimeout = timeouts.headers ?? 10_000;
  const guarded: Listener = (request, response) => {
    if (!hasDuplicateHost(request.rawHeaders)) return listener(request, response);
    response.shouldKeepAlive = false;
    response.writeHead(400, { "content-type": "application/json; charset=utf-8", "content-length": badRequestBody.length, connection: "close" });
    response.end(badRequestBody);
  };
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: timeouts.request ?? 120_000,
      keepAliveTimeout: timeouts.keepAlive ?? 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 32 * 1024,
    },
    guarded,
  );
  // Node's headers timeout starts with the first byte of a request: a connection that never sends one would stay
  // open for ever and hold a file descriptor. Such a socket is closed after the headers timeout; once a byte has
  // arrived, Node's own headers, request and keep-alive timeouts govern it (upgrades included).
  server.on("connection", (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, headersTimeout);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // Refused before any request object exists (bad framing, huge headers, a slow client): log it, briefly.
    logger?.warn("request refused by the HTTP parser", { code: error.code, remoteAddress: (socket as Socket).remoteAddress });
    if (!socket.writable) return socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const reason = status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request";
    const body = JSON.stringify({ message: reason });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

export function listen(server: NetServer, address: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      const bound = server.address() as AddressInfo;
      resolve({ host: bound.address, port: bound.port });
    });
  });
}

export interface RunningGateway {
  readonly address: ListenAddress;
  /** Stops accepting, lets in-flight requests finish within `timeout` ms, then closes everything. */
  close(timeout?: number): Promise<void>;
}

export interface ServeOptions {
  /** Serve TLS (HTTP/2 and HTTP/1.1 by ALPN) with this key and certificate (PEM). */
  readonly tls?: ListenerTls;
}

/**
 * Serves a gateway on an address: what `portcullis start` runs. One port speaks HTTP/1.1 (with WebSocket upgrades)
 * and HTTP/2: h2c with prior knowledge in plain text, h2 by ALPN with `tls`.
 */
export async function serveGateway(gateway: Gateway, address: ListenAddress, timeouts?: ServerTimeouts, options: ServeOptions = {}): Promise<RunningGateway> {
  const http1 = createHttpServer(gateway.handler, timeouts, gateway.logger);
  const listener = createListener(http1, gateway.handler, { tls: options.tls, upgrade: gateway.handleUpgrade, firstByteTimeout: timeouts?.headers });
  const server = listener.server;
  const bound = await listen(server, address);
  return {
    address: bound,
    async close(timeout = 10_000) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      listener.closeIdleConnections();
      await gateway.close({ timeout });
      listener.closeAllConnections();
      await stopped;
    },
  };
}
