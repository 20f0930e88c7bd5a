import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from "node:http2";
import type { Server as NetServer, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createServer as createTlsServer, type SecureContext, type TLSSocket } from "node:tls";

/** The HTTP/2 connection preface (RFC 9113 3.4) a prior-knowledge h2c client sends first. */
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export interface ListenerTls {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** Picks another certificate by the client's SNI; undefined keeps the default key and cert. */
  readonly contextFor?: (serverName: string) => SecureContext | undefined;
}

export type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ListenerOptions {
  /** Serve TLS: HTTP/2 and HTTP/1.1 negotiated by ALPN. Without it, the port speaks HTTP/1.1 and h2c (prior knowledge). */
  readonly tls?: ListenerTls;
  /** Handles HTTP/1.1 `Upgrade` requests (WebSocket). */
  readonly upgrade?: UpgradeListener;
  /** Milliseconds a new connection may stay silent before it is closed. Default 10 s. */
  readonly firstByteTimeout?: number;
}

export interface GatewayListener {
  /** The server to `listen` on. */
  readonly server: NetServer;
  /** Ends idle HTTP/1.1 connections and asks every HTTP/2 session to finish its streams (GOAWAY). */
  closeIdleConnections(): void;
  /** Destroys every connection, of both protocols. */
  closeAllConnections(): void;
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** Whether bytes seen so far are the HTTP/2 preface: true, false, or undefined while they are a prefix of it. */
function startsWithPreface(bytes: Buffer): boolean | undefined {
  const length = Math.min(bytes.length, http2Preface.length);
  for (let index = 0; index < length; index++) if (bytes[index] !== http2Preface[index]) return false;
  return bytes.length >= http2Preface.length ? true : undefined;
}

/**
 * Serves one port with HTTP/1.1 and HTTP/2. `http1` is a node:http server built with the gateway's hardening
 * (timeouts, header limits, clientError answers); HTTP/2 streams reach the same `handler` through node's compat API.
 * Plain TCP: the first bytes of each connection decide, the h2c preface goes to HTTP/2 and anything else to HTTP/1.1.
 * TLS: ALPN decides (`h2` or `http/1.1`).
 */
export function createListener(http1: Server, handler: RequestHandler, options: ListenerOptions = {}): GatewayListener {
  const http2 = createHttp2Server((request: Http2ServerRequest, response: Http2ServerResponse) => {
    // The router and the Host-based upstream headers read `host`; HTTP/2 carries the authority as a pseudo-header.
    const headers = request.headers;
    if (headers.host === undefined && headers[":authority"] !== undefined) headers.host = headers[":authority"];
    handler(request as unknown as IncomingMessage, response as unknown as ServerResponse);
  });
  const sessions = new Set<Http2Session>();
  http2.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A client that breaks the protocol ends its own session; it must never surface as an uncaught error.
    session.on("error", () => session.destroy());
  });
  // Upgraded connections leave node:http's bookkeeping; shutdown still has to end them.
  const upgraded = new Set<Duplex>();
  const upgrade = options.upgrade;
  if (upgrade !== undefined) {
    http1.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
      upgrade(request, socket, head);
    });
  }

  const undecided = new Set<Socket>();
  const firstByteTimeout = options.firstByteTimeout ?? 10_000;
  const [http1ConnectionListener] = http1.listeners("connection") as ((socket: Duplex) => void)[];

  const toHttp1 = (socket: Duplex) => http1ConnectionListener!.call(http1, socket);
  const toHttp2 = (socket: Duplex) => http2.emit("connection", socket);

  /** Reads until the first bytes tell the protocol, then hands the socket over with those bytes put back. */
  function sniff(socket: Socket): void {
    undecided.add(socket);
    let seen: Buffer = Buffer.alloc(0);
    const settle = () => {
      undecided.delete(socket);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("timeout", onTimeout);
      socket.setTimeout(0);
    };
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const isHttp2 = startsWithPreface(seen);
      if (isHttp2 === undefined) return;
      settle();
      socket.pause();
      socket.unshift(seen);
      if (isHttp2) {
        // The HTTP/2 session reads bytes already buffered on the socket itself (on the next tick).
        toHttp2(socket);
        return;
      }
      toHttp1(socket);
      // node:http reads the put-back bytes through its 'data' listener, before anything read later from the wire.
      socket.resume();
    };
    const onError = () => {
      settle();
      socket.destroy();
    };
    const onTimeout = () => {
      settle();
      socket.destroy();
    };
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("timeout", onTimeout);
    socket.setTimeout(firstByteTimeout);
  }

  let server: NetServer;
  if (options.tls === undefined) {
    http1.removeListener("connection", http1ConnectionListener!);
    http1.on("connection", sniff);
    server = http1;
  } else {
    const { contextFor } = options.tls;
    const sni = contextFor === undefined ? {} : { SNICallback: (name: string, done: (error: Error | null, context?: SecureContext) => void) => done(null, contextFor(name)) };
    server = createTlsServer({ key: options.tls.key, cert: options.tls.cert, ALPNProtocols: ["h2", "http/1.1"], ...sni }, (socket: TLSSocket) => {
      if (socket.alpnProtocol === "h2") toHttp2(socket);
      else toHttp1(socket);
    });
    server.on("tlsClientError", (_error, socket) => socket.destroy());
    // node:http checks header and request timeouts on an interval it starts when the server listens.
    server.on("listening", () => http1.emit("listening"));
    server.on("close", () => http1.close());
  }

  return {
    server,
    closeIdleConnections() {
      http1.closeIdleConnections();
      for (const session of sessions) session.close();
      for (const socket of undecided) socket.destroy();
    },
    closeAllConnections() {
      http1.closeAllConnections();
      for (const session of sessions) session.destroy();
      for (const socket of undecided) socket.destroy();
      for (const socket of upgraded) socket.destroy();
    },
  };
}
