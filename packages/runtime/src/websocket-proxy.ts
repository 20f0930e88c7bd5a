import { type ClientRequest, type IncomingMessage, request as httpRequest, ServerResponse } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { runtimeErrors } from "./errors.js";
import type { Exchange } from "./exchange.js";
import { connectionListed, hopByHopHeaders, type MutableHeaders, withoutHopByHop } from "./headers.js";

/** True for an HTTP/1.1 WebSocket handshake (RFC 6455 4.1): a GET whose Upgrade lists `websocket`. */
export function isWebSocketUpgrade(request: IncomingMessage): boolean {
  const upgrade = request.headers.upgrade;
  return request.method === "GET" && upgrade !== undefined && /(^|[\s,])websocket($|[\s,])/i.test(upgrade);
}

/**
 * A ServerResponse written straight to an upgrade request's socket, so the exchange can answer the handshake like
 * any request (an exit, an error, an upstream refusal). Once a non-101 answer is written the socket closes: the
 * HTTP server stopped reading it when it saw the Upgrade header.
 */
export function upgradeResponse(request: IncomingMessage, socket: Duplex): ServerResponse {
  const response = new ServerResponse(request);
  response.shouldKeepAlive = false;
  response.assignSocket(socket as Socket);
  response.once("finish", () => socket.end());
  socket.on("error", () => socket.destroy());
  return response;
}

/** The handshake sent upstream: the exchange's upstream headers and path, with the upgrade kept and proxy headers set. */
function handshakeHeaders(exchange: Exchange, hostHeader: string): MutableHeaders {
  const incoming = exchange.incoming;
  const source = exchange.upstreamHeaders();
  const listed = connectionListed(incoming.headers.connection);
  const headers: MutableHeaders = {};
  for (const name in source) {
    if (hopByHopHeaders.has(name) || name === "host" || listed?.has(name) || name.charCodeAt(0) === 58) continue;
    headers[name] = source[name];
  }
  headers.connection = "Upgrade";
  headers.upgrade = incoming.headers.upgrade;
  const clientIp = incoming.socket.remoteAddress ?? "";
  const forwardedFor = incoming.headers["x-forwarded-for"];
  headers["x-forwarded-for"] = forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`;
  headers["x-forwarded-proto"] = exchange.scheme;
  headers["x-forwarded-host"] = exchange.clientRequest.host;
  headers["x-forwarded-port"] = String(incoming.socket.localPort ?? "");
  headers["x-forwarded-path"] = exchange.clientRequest.path;
  headers["x-request-id"] = exchange.requestId;
  const via = incoming.headers.via;
  headers.via = via === undefined ? "1.1 portcullis" : `${via}, 1.1 portcullis`;
  const clientHost = incoming.headers.host;
  headers.host = exchange.route?.preserveHost === true && clientHost !== undefined ? clientHost : hostHeader;
  return headers;
}

/**
 * The proceed step of a WebSocket handshake whose access phase let it through: sends the handshake to a target of
 * the route's service, relays the upstream's answer (101 through headerFilter, then both sockets piped to each
 * other; any other answer as a normal response), and lets the log phase run when the client socket closes.
 */
export function proxyWebSocket(exchange: Exchange, response: ServerResponse, clientSocket: Duplex, head: Buffer): void {
  const service = exchange.service;
  if (service === undefined) return exchange.fail(503, runtimeErrors.SERVICE_NOT_FOUND.template);
  const targets = exchange.snapshot.targets;
  const target = targets.select(service, exchange);
  if (target === undefined) {
    exchange.environment.metrics.recordUpstreamError("unavailable");
    return exchange.fail(503, runtimeErrors.UPSTREAM_UNAVAILABLE.template);
  }
  const logger = exchange.environment.logger;
  const origin = new URL(target.origin);
  const query = exchange.queryOverride ?? exchange.rawQuery;
  const path = exchange.upstreamPath();
  const send = origin.protocol === "https:" ? httpsRequest : httpRequest;
  let settled = false;
  let released = false;
  const release = (failure: string | undefined) => {
    if (released) return;
    released = true;
    targets.release(target, failure);
  };
  const upstreamRequest: ClientRequest = send({
    host: origin.hostname.replace(/^\[|\]$/g, ""),
    port: Number(origin.port),
    method: exchange.method,
    path: query === "" ? path : `${path}?${query}`,
    headers: handshakeHeaders(exchange, target.hostHeader) as Record<string, string | string[]>,
    agent: false,
  });

  const fail = (kind: "connect" | "timeout", error: unknown) => {
    if (settled) return;
    settled = true;
    upstreamRequest.destroy();
    targets.reportFailure(target, kind);
    release(kind);
    exchange.environment.metrics.recordUpstreamError(kind);
    logger.error("websocket handshake to the upstream failed", { requestId: exchange.requestId, target: target.origin, kind, error });
    exchange.fail(kind === "timeout" ? 504 : 502, kind === "timeout" ? runtimeErrors.UPSTREAM_TIMEOUT.template : runtimeErrors.UPSTREAM_CONNECT.template);
  };
  const connectTimer = setTimeout(() => fail("timeout", new Error("connect timed out")), service.connectTimeout);
  upstreamRequest.once("socket", (socket: Socket) => {
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      upstreamRequest.setTimeout(service.readTimeout, () => fail("timeout", new Error("handshake timed out")));
    });
  });
  upstreamRequest.on("error", (error) => fail("connect", error));
  // The client leaving mid-handshake cancels the upstream attempt.
  clientSocket.once("close", () => {
    clearTimeout(connectTimer);
    if (!settled) {
      settled = true;
      upstreamRequest.destroy();
      release(undefined);
    }
  });

  upstreamRequest.on("response", (upstreamResponse: IncomingMessage) => {
    // The upstream refused the upgrade: its answer goes to the client as a normal response.
    if (settled) return upstreamResponse.destroy();
    settled = true;
    clearTimeout(connectTimer);
    targets.report(target, upstreamResponse.statusCode ?? 502);
    const headers = withoutHopByHop(upstreamResponse.headers);
    void afterHeaderFilter(exchange, upstreamResponse.statusCode ?? 502, headers, () => {
      response.writeHead(exchange.status, exchange.responseHeaders as Record<string, string | string[]>);
      upstreamResponse.pipe(response);
      upstreamResponse.once("end", () => release(undefined));
    });
  });

  upstreamRequest.on("upgrade", (upstreamResponse: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
    if (settled) return upstreamSocket.destroy();
    settled = true;
    clearTimeout(connectTimer);
    upstreamRequest.setTimeout(0);
    targets.report(target, 101);
    const headers: MutableHeaders = { ...upstreamResponse.headers };
    void afterHeaderFilter(exchange, 101, headers, () => {
      if (clientSocket.destroyed) {
        upstreamSocket.destroy();
        release(undefined);
        return;
      }
      response.writeHead(exchange.status, exchange.responseHeaders as Record<string, string | string[]>);
      response.flushHeaders();
      if (upstreamHead.length > 0) clientSocket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      relay(clientSocket, upstreamSocket, service.readTimeout, () => release(undefined));
    });
  });
  upstreamRequest.end();
}

/** Runs the chain's headerFilter over the upstream's answer, then writes it. */
function afterHeaderFilter(exchange: Exchange, status: number, headers: MutableHeaders, write: () => void): Promise<void> | void {
  const pending = exchange.filterHead(status, headers, "upstream");
  if (pending === undefined) return write();
  return pending.then(write);
}

/** Pipes two sockets into each other until either side closes, errors, or the upstream stays silent too long. */
function relay(client: Duplex, upstream: Socket, idleTimeout: number, closed: () => void): void {
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    client.destroy();
    upstream.destroy();
    closed();
  };
  upstream.setTimeout(idleTimeout, close);
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
  // A half-close is passed on; the socket that ended it closes once the other side ends too.
  client.pipe(upstream);
  upstream.pipe(client);
}
