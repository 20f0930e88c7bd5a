import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Gateway } from "./gateway.js";

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

/** Creates a node:http server for a listener, with timeouts that bound slow clients. */
export function createHttpServer(listener: Parameters<typeof createServer>[1], timeouts: ServerTimeouts = {}): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headers ?? 10_000,
      requestTimeout: timeouts.request ?? 120_000,
      keepAliveTimeout: timeouts.keepAlive ?? 5_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 32 * 1024,
    },
    listener,
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    const reason = status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request";
    const body = JSON.stringify({ message: reason });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

export function listen(server: Server, address: ListenAddress): Promise<ListenAddress> {
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

/** Serves a gateway on an address: what `portcullis start` runs. */
export async function serveGateway(gateway: Gateway, address: ListenAddress, timeouts?: ServerTimeouts): Promise<RunningGateway> {
  const server = createHttpServer(gateway.handler, timeouts);
  const bound = await listen(server, address);
  return {
    address: bound,
    async close(timeout = 10_000) {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await gateway.close({ timeout });
      server.closeAllConnections();
      await stopped;
    },
  };
}
