import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type ClientHttp2Session, connect, type IncomingHttpHeaders } from "node:http2";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type RunningGateway, serveGateway } from "../src/index.js";
import { send, serviceConfig, startUpstream, type TestServer } from "./support.js";

interface Http2Answer {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function http2Request(session: ClientHttp2Session, path: string, options: { method?: string; body?: string } = {}): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":path": path, ":method": options.method ?? "GET" }, { endStream: options.body === undefined });
    let headers: IncomingHttpHeaders = {};
    let body = "";
    stream.on("response", (received) => {
      headers = received;
    });
    stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
    stream.on("end", () => resolve({ headers, body }));
    stream.on("error", reject);
    stream.setTimeout(5_000, () => stream.close());
    if (options.body !== undefined) stream.end(options.body);
  });
}

interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly bodyLength: number;
}

describe("one plain port for HTTP/1.1 and h2c (prior knowledge)", () => {
  let upstream: TestServer;
  let running: RunningGateway;
  let url: string;

  beforeAll(async () => {
    upstream = await startUpstream();
    const gateway = await createGateway({ config: serviceConfig(upstream.url), logger: false, accessLog: false });
    running = await serveGateway(gateway, { host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${running.address.port}`;
  });

  afterAll(async () => {
    await running.close(2_000);
    await upstream.close();
  });

  it("serves an h2c request: routed by :authority and :path, proxied without HTTP/2 pseudo-headers", async () => {
    const session = connect(url);
    try {
      const answer = await http2Request(session, "/h2/path?q=1");
      expect(answer.headers[":status"]).toBe(200);
      expect(answer.headers["x-request-id"]).toBeDefined();
      const echo = JSON.parse(answer.body) as Echo;
      expect(echo).toMatchObject({ method: "GET", url: "/h2/path?q=1" });
      expect(echo.headers["x-forwarded-host"]).toBe("127.0.0.1");
      expect(Object.keys(echo.headers).filter((name) => name.startsWith(":"))).toEqual([]);
    } finally {
      session.close();
    }
  });

  it("streams an h2c request body without content-length to an HTTP/1.1 upstream", async () => {
    const session = connect(url);
    try {
      const answer = await http2Request(session, "/upload", { method: "POST", body: "x".repeat(10_000) });
      expect(answer.headers[":status"]).toBe(200);
      expect((JSON.parse(answer.body) as Echo).bodyLength).toBe(10_000);
    } finally {
      session.close();
    }
  });

  it("serves several h2c streams on one session", async () => {
    const session = connect(url);
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, (_, index) => http2Request(session, `/multi/${index}`)));
      expect(answers.map((answer) => (JSON.parse(answer.body) as Echo).url)).toEqual(["/multi/0", "/multi/1", "/multi/2", "/multi/3", "/multi/4"]);
    } finally {
      session.close();
    }
  });

  it("serves HTTP/1.1 on the same port, including a request whose method starts like the h2 preface", async () => {
    const get = await send(`${url}/h1`);
    expect(get.status).toBe(200);
    expect(get.json<Echo>()).toMatchObject({ method: "GET", url: "/h1" });
    const put = await send(`${url}/h1`, { method: "PUT", body: "data" });
    expect(put.json<Echo>()).toMatchObject({ method: "PUT", bodyLength: 4 });
    const post = await send(`${url}/h1`, { method: "POST", body: "data" });
    expect(post.json<Echo>()).toMatchObject({ method: "POST", bodyLength: 4 });
  });
});

describe("TLS: h2 and HTTP/1.1 negotiated by ALPN", () => {
  let upstream: TestServer;
  let running: RunningGateway;
  let directory: string;
  let certificate: Buffer;
  let url: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), "portcullis-tls-"));
    const keyFile = join(directory, "key.pem");
    const certFile = join(directory, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", keyFile, "-out", certFile], {
      stdio: "ignore",
      timeout: 20_000,
    });
    certificate = readFileSync(certFile);
    upstream = await startUpstream();
    const gateway = await createGateway({ config: serviceConfig(upstream.url), logger: false, accessLog: false });
    running = await serveGateway(gateway, { host: "127.0.0.1", port: 0 }, undefined, { tls: { key: readFileSync(keyFile), cert: certificate } });
    url = `https://localhost:${running.address.port}`;
  }, 30_000);

  afterAll(async () => {
    await running?.close(2_000);
    await upstream?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("serves h2 to a client that offers it, with the https scheme forwarded", async () => {
    const session = connect(url, { ca: certificate, host: "127.0.0.1", servername: "localhost" } as never);
    try {
      const answer = await http2Request(session, "/secure");
      expect(answer.headers[":status"]).toBe(200);
      expect(session.alpnProtocol).toBe("h2");
      const echo = JSON.parse(answer.body) as Echo;
      expect(echo.url).toBe("/secure");
      expect(echo.headers["x-forwarded-proto"]).toBe("https");
    } finally {
      session.close();
    }
  });

  it("serves HTTP/1.1 to a client that offers no h2 (node:https offers no ALPN at all)", async () => {
    const answer = await new Promise<{ status: number; version: string; body: string }>((resolve, reject) => {
      const request = httpsRequest(
        { host: "127.0.0.1", port: running.address.port, path: "/plain-tls", servername: "localhost", ca: certificate, agent: false, timeout: 5_000 },
        (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, version: response.httpVersion, body }));
        },
      );
      request.on("error", reject);
      request.end();
    });
    expect(answer).toMatchObject({ status: 200, version: "1.1" });
    const echo = JSON.parse(answer.body) as Echo;
    expect(echo.headers["x-forwarded-proto"]).toBe("https");
  });
});
