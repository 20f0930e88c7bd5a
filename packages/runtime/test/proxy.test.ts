import { createServer } from "node:http";
import { connect } from "node:net";
import { definePlugin } from "@portcullis/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeServer, listenOnLoopback, send, serviceConfig, startGateway, startUpstream, type TestGateway, type TestServer } from "./support.js";

const denyAll = definePlugin({
  name: "deny-all",
  version: "1.0.0",
  priority: 1000,
  configSchema: { type: "object", additionalProperties: false },
  create: () => ({ access: (ctx) => ctx.respond(403, { message: "Forbidden" }) }),
});

const stamp = definePlugin({
  name: "stamp",
  version: "1.0.0",
  priority: 100,
  configSchema: { type: "object", properties: { value: { type: "string", default: "global" } }, additionalProperties: false },
  create: (config) => ({ headerFilter: (ctx) => ctx.response.setHeader("x-stamp", config.value) }),
});

const bodyReader = definePlugin({
  name: "body-reader",
  version: "1.0.0",
  priority: 500,
  configSchema: { type: "object", properties: { limit: { type: "integer", default: 1024 } }, additionalProperties: false },
  create: (config) => ({
    async access(ctx) {
      const body = await ctx.request.body({ limit: config.limit });
      ctx.upstream.setHeader("x-body-bytes", String(body.length));
    },
  }),
});

describe("routing and proxying", () => {
  let upstream: TestServer;
  let gateway: TestGateway;

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startGateway({
      plugins: [denyAll, stamp, bodyReader],
      config: {
        _format_version: "3.0",
        services: [
          {
            name: "backend",
            url: `${upstream.url}/base`,
            routes: [
              { name: "public", paths: ["/public"] },
              { name: "admin", paths: ["/admin"], plugins: [{ name: "deny-all" }] },
              { name: "versioned", paths: ["~/v(?<version>\\d+)/items$"], strip_path: false },
              { name: "by-host", hosts: ["*.example.test"], paths: ["/hosted"] },
              { name: "posts", paths: ["/posts"], methods: ["POST"], plugins: [{ name: "body-reader" }] },
              { name: "keep-host", paths: ["/keep-host"], preserve_host: true },
            ],
          },
        ],
        plugins: [{ name: "stamp" }],
      },
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it("strips the matched prefix and prepends the service path", async () => {
    const response = await send(`${gateway.url}/public/orders?page=2`);
    expect(response.status).toBe(200);
    expect(response.json<{ url: string }>().url).toBe("/base/orders?page=2");
    expect(response.headers["x-stamp"]).toBe("global");
  });

  it("answers 404 with Kong's message, and global headerFilter still runs", async () => {
    const response = await send(`${gateway.url}/nowhere`);
    expect(response.status).toBe(404);
    expect(response.json<{ message: string }>().message).toBe("no Route matched with those values");
    expect(response.headers["x-stamp"]).toBe("global");
  });

  it("routes regex paths and hosts with wildcards", async () => {
    expect((await send(`${gateway.url}/v2/items`)).json<{ url: string }>().url).toBe("/base/v2/items");
    expect((await send(`${gateway.url}/hosted/x`, { headers: { host: "api.example.test:8080" } })).status).toBe(200);
    expect((await send(`${gateway.url}/hosted/x`, { headers: { host: "example.org" } })).status).toBe(404);
  });

  it("never reaches a guarded route through dot segments, encodings or doubled slashes", async () => {
    for (const path of ["/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E/admin/x", "//admin", "/./admin", "/public/./../admin"]) {
      const response = await send(`${gateway.url}${path}`);
      expect(response.status, path).toBe(403);
    }
    const encodedSlash = await send(`${gateway.url}/public/..%2Fadmin`);
    expect(encodedSlash.status).toBe(200);
    expect(encodedSlash.json<{ url: string }>().url).toBe("/base/..%2Fadmin");
  });

  it("rejects a path with a bad escape or NUL with 400", async () => {
    expect((await send(`${gateway.url}/public/%zz`)).status).toBe(400);
    expect((await send(`${gateway.url}/public/%00`)).status).toBe(400);
  });

  it("removes hop-by-hop headers, including those Connection lists, and sets forwarding headers", async () => {
    const { request } = await import("node:http");
    const body = await new Promise<string>((resolve, reject) => {
      const outgoing = request(
        `${gateway.url}/public/h`,
        {
          headers: {
            connection: "x-secret-hop, keep-alive",
            "x-secret-hop": "1",
            "x-kept": "yes",
            "x-forwarded-for": "10.0.0.1",
            "x-request-id": "abc-123",
            // A client's own forwarding headers are replaced (Via extended), never sent twice.
            "x-forwarded-proto": "https",
            "x-forwarded-host": "spoofed.example",
            "x-forwarded-port": "1",
            "x-forwarded-path": "/spoofed",
            via: "1.0 edge",
          },
        },
        (response) => {
          expect(response.headers["x-request-id"]).toBe("abc-123");
          let text = "";
          response.on("data", (chunk: Buffer) => {
            text += chunk.toString();
          });
          response.on("end", () => resolve(text));
        },
      );
      outgoing.on("error", reject);
      outgoing.end();
    });
    const headers = (JSON.parse(body) as { headers: Record<string, string> }).headers;
    expect(headers["x-secret-hop"]).toBeUndefined();
    expect(headers.connection).not.toContain("x-secret-hop");
    expect(headers["x-kept"]).toBe("yes");
    expect(headers["x-forwarded-for"]).toBe("10.0.0.1, 127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-path"]).toBe("/public/h");
    expect(headers["x-forwarded-port"]).toBe(String(new URL(gateway.url).port));
    expect(headers["x-request-id"]).toBe("abc-123");
    expect(headers.via).toBe("1.0 edge, 1.1 portcullis");
    expect(headers.host).toBe(`127.0.0.1:${upstream.port}`);
  });

  it("preserves the client's Host when the route asks for it", async () => {
    const response = await send(`${gateway.url}/keep-host`, { headers: { host: "client.example" } });
    expect(response.json<{ headers: Record<string, string> }>().headers.host).toBe("client.example");
  });

  it("buffers a body on demand, still forwards it, and answers 413 past the limit", async () => {
    const small = await send(`${gateway.url}/posts`, { method: "POST", body: "x".repeat(100) });
    expect(small.status).toBe(200);
    expect(small.json<{ bodyLength: number; headers: Record<string, string> }>()).toMatchObject({ bodyLength: 100, headers: { "x-body-bytes": "100" } });
    const large = await send(`${gateway.url}/posts`, { method: "POST", body: "x".repeat(5000) });
    expect(large.status).toBe(413);
    expect(large.json<{ message: string }>().message).toBe("Request body too large");
  });
});

describe("upstream failures", () => {
  it("answers 502 when the upstream is unreachable", async () => {
    const closed = createServer();
    const port = await listenOnLoopback(closed);
    await closeServer(closed);
    const gateway = await startGateway({ config: { _format_version: "3.0", services: [{ name: "gone", url: `http://127.0.0.1:${port}`, retries: 1, routes: [{ paths: ["/"] }] }] } });
    try {
      const response = await send(`${gateway.url}/x`);
      expect(response.status).toBe(502);
      expect(response.json<{ message: string }>().message).toBe("An invalid response was received from the upstream server");
    } finally {
      await gateway.close();
    }
  });

  it("answers 504 when the upstream is slower than read_timeout", async () => {
    const slow = await startUpstream(undefined, { streaming: () => {} });
    const gateway = await startGateway({ config: { _format_version: "3.0", services: [{ name: "slow", url: slow.url, read_timeout: 300, routes: [{ paths: ["/"] }] }] } });
    try {
      const started = Date.now();
      const response = await send(`${gateway.url}/x`);
      expect(response.status).toBe(504);
      expect(response.json<{ message: string }>().message).toBe("The upstream server is timing out");
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await gateway.close();
      await slow.close();
    }
  });

  it("answers 502 when the upstream resets the connection", async () => {
    const resetting = await startUpstream(undefined, { streaming: (request) => request.socket.destroy() });
    const gateway = await startGateway({ config: { _format_version: "3.0", services: [{ name: "reset", url: resetting.url, retries: 0, routes: [{ paths: ["/"] }] }] } });
    try {
      expect((await send(`${gateway.url}/x`)).status).toBe(502);
    } finally {
      await gateway.close();
      await resetting.close();
    }
  });

  it("closes the client connection when the upstream dies mid-response", async () => {
    const dying = await startUpstream(undefined, {
      streaming: (_request, response) => {
        response.writeHead(200, { "content-length": "1000" });
        response.write("partial");
        setTimeout(() => response.socket?.destroy(), 20);
      },
    });
    const gateway = await startGateway({ config: { _format_version: "3.0", services: [{ name: "dying", url: dying.url, routes: [{ paths: ["/"] }] }] } });
    try {
      await expect(send(`${gateway.url}/x`)).rejects.toThrow();
    } finally {
      await gateway.close();
      await dying.close();
    }
  });
});

describe("streaming", () => {
  const size = 20 * 1024 * 1024;

  it("streams 20 MB upstream and 20 MB back without buffering them", async () => {
    const marks = { upstreamFirstRequestChunk: 0, clientUploadDone: 0, upstreamResponseDone: 0, clientFirstResponseChunk: 0 };
    const upstream = await startUpstream(undefined, {
      streaming: (request, response) => {
        let received = 0;
        request.on("data", (chunk: Buffer) => {
          marks.upstreamFirstRequestChunk ||= performance.now();
          received += chunk.length;
        });
        request.on("end", () => {
          response.writeHead(200, { "content-type": "application/octet-stream", "x-received": String(received) });
          const chunk = Buffer.alloc(64 * 1024, 7);
          let sent = 0;
          const pump = () => {
            while (sent < size) {
              sent += chunk.length;
              if (!response.write(chunk)) return response.once("drain", pump);
            }
            response.end(() => {
              marks.upstreamResponseDone = performance.now();
            });
          };
          pump();
        });
      },
    });
    const gateway = await startGateway({ config: serviceConfig(upstream.url) });
    try {
      const { request } = await import("undici");
      const { Readable } = await import("node:stream");
      const body = Readable.from(
        (async function* () {
          const chunk = Buffer.alloc(64 * 1024, 3);
          for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
          marks.clientUploadDone = performance.now();
        })(),
      );
      const response = await request(`${gateway.url}/upload`, { method: "POST", body, headers: { "content-type": "application/octet-stream" } });
      let received = 0;
      for await (const chunk of response.body) {
        marks.clientFirstResponseChunk ||= performance.now();
        received += (chunk as Buffer).length;
      }
      expect(response.statusCode).toBe(200);
      expect(response.headers["x-received"]).toBe(String(size));
      expect(received).toBe(size);
      // A buffering proxy would hold the whole upload before the upstream saw a byte, and the whole response
      // before the client saw one; streaming overlaps both ends.
      expect(marks.upstreamFirstRequestChunk).toBeLessThan(marks.clientUploadDone);
      expect(marks.clientFirstResponseChunk).toBeLessThan(marks.upstreamResponseDone);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("request framing", () => {
  it("answers 400 to a request with both Content-Length and Transfer-Encoding", async () => {
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url) });
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(gateway.port, "127.0.0.1", () => {
          socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        });
        let data = "";
        socket.on("data", (chunk) => {
          data += chunk.toString();
        });
        socket.on("close", () => resolve(data));
        socket.on("error", reject);
        setTimeout(() => socket.destroy(), 2_000);
      });
      expect(reply.startsWith("HTTP/1.1 400")).toBe(true);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
