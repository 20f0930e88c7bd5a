import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request as undiciRequest } from "undici";
import { createGateway, type Gateway, type GatewayOptions } from "../src/index.js";

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A real upstream on 127.0.0.1. Each request is recorded (with its whole body) unless `streaming` is set, in which
 * case the handler gets the raw request and must answer itself.
 */
export async function startUpstream(
  handler?: (request: IncomingMessage, response: ServerResponse, body: Buffer) => void,
  options: { readonly streaming?: (request: IncomingMessage, response: ServerResponse) => void } = {},
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    if (options.streaming !== undefined) return options.streaming(request, response);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      if (handler !== undefined) return handler(request, response, body);
      const echo = JSON.stringify({ method: request.method, url: request.url, headers: request.headers, bodyLength: body.length });
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(echo) });
      response.end(echo);
    });
  });
  const port = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}`, port, server, requests, close: () => closeServer(server) };
}

export interface TestGateway {
  readonly url: string;
  readonly port: number;
  readonly gateway: Gateway;
  readonly server: Server;
  close(): Promise<void>;
}

/** A gateway on 127.0.0.1:0; `serve` picks the server (plain node:http by default, as an embedding user would). */
export async function startGateway(
  options: GatewayOptions,
  serve: (listener: Gateway["handler"]) => Server = (listener) => createServer(listener),
): Promise<TestGateway> {
  const gateway = await createGateway({ logger: false, accessLog: false, ...options });
  const server = serve(gateway.handler);
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    gateway,
    server,
    async close() {
      await gateway.close({ timeout: 2_000 });
      await closeServer(server);
    },
  };
}

export interface SimpleResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

export async function send(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer } = {},
): Promise<SimpleResponse> {
  const response = await undiciRequest(url, {
    method: (options.method ?? "GET") as "GET",
    headers: options.headers,
    body: options.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return {
    status: response.statusCode,
    headers: response.headers as Record<string, string | string[] | undefined>,
    body,
    text: () => body.toString("utf8"),
    json: <T>() => JSON.parse(body.toString("utf8")) as T,
  };
}

export function serviceConfig(upstreamUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _format_version: "3.0",
    services: [{ name: "backend", url: upstreamUrl, routes: [{ name: "all", paths: ["/"] }] }],
    ...extra,
  };
}
