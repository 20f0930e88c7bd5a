import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { definePlugin } from "@portcullis/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway } from "../src/index.js";
import { rawExchange } from "./embedding-support.js";
import { closeServer, listenOnLoopback, send } from "./support.js";

/**
 * How the middleware hands an app's response head to headerFilter and back: every way node lets an app write a
 * head (writeHead with an object or a list, a reason phrase, an implicit head from write/end), with synchronous and
 * asynchronous filters, over a plain node:http server so that nothing else touches the head.
 */

const callbacks: string[] = [];

const headEditor = definePlugin({
  name: "head-editor",
  version: "1.0.0",
  priority: 10,
  configSchema: { type: "object" },
  create: () => ({
    headerFilter(ctx) {
      ctx.response.removeHeader("x-remove-me");
      if (ctx.response.header("x-change-me") !== undefined) ctx.response.setHeader("x-change-me", "changed");
      ctx.response.setHeader("x-filtered", "sync");
    },
  }),
});

const slowHead = definePlugin({
  name: "slow-head",
  version: "1.0.0",
  priority: 10,
  configSchema: { type: "object" },
  create: () => ({
    async headerFilter(ctx) {
      // The head is decided a few event-loop turns after the app started writing its body.
      await new Promise((resolve) => setTimeout(resolve, 20));
      ctx.response.setHeader("x-filtered", "async");
    },
  }),
});

function app(request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? "/").replace(/^\/(sync|async)/, "");
  switch (path) {
    case "/cookies":
      response.writeHead(200, ["Set-Cookie", "a=1", "Set-Cookie", "b=2", "Content-Type", "text/plain"]);
      response.end("cookies");
      return;
    case "/reason":
      response.setHeader("x-keep", "kept");
      response.writeHead(202, "Queued For Later", { "X-Change-Me": "original", "x-remove-me": "gone" });
      response.end("queued");
      return;
    case "/implicit":
      response.setHeader("content-type", "text/plain; charset=utf-8");
      response.setHeader("x-change-me", "original");
      response.setHeader("x-remove-me", "gone");
      response.end("héllo wörld");
      return;
    case "/streamed":
      response.setHeader("content-type", "text/plain");
      response.write("one ", () => callbacks.push("write"));
      response.write(Buffer.from("two "));
      response.end("three", () => callbacks.push("end"));
      return;
    default:
      response.statusCode = 404;
      response.end();
  }
}

describe("embedded response heads", () => {
  let gateway: Gateway;
  let server: Server;
  let port: number;
  let url: string;

  beforeAll(async () => {
    gateway = await createGateway({
      config: {
        _format_version: "3.0",
        routes: [
          { name: "sync", paths: ["/sync"], plugins: [{ name: "head-editor" }] },
          { name: "async", paths: ["/async"], plugins: [{ name: "slow-head" }] },
        ],
      },
      plugins: [headEditor, slowHead],
      logger: false,
      accessLog: false,
    });
    const middleware = gateway.middleware();
    server = createServer((request, response) => {
      middleware(request, response, (error) => {
        if (error !== undefined) {
          response.statusCode = 500;
          response.end();
          return;
        }
        app(request, response);
      });
    });
    port = await listenOnLoopback(server);
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await closeServer(server);
    await gateway.close({ timeout: 2_000 });
  });

  it("keeps every Set-Cookie an app passes to writeHead as a list", async () => {
    for (const prefix of ["/sync", "/async"]) {
      const response = await send(`${url}${prefix}/cookies`);
      expect(response.status).toBe(200);
      expect(response.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
      expect(response.text()).toBe("cookies");
    }
  });

  it("sends writeHead's reason phrase, and applies the filter's removal and change to the app's headers", async () => {
    const head = (await rawExchange(port, "GET /sync/reason HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).toString("latin1");
    expect(head).toMatch(/^HTTP\/1\.1 202 Queued For Later\r\n/);
    expect(head).toMatch(/\r\nx-keep: kept\r\n/i);
    expect(head).toMatch(/\r\nx-change-me: changed\r\n/i);
    expect(head).toMatch(/\r\nx-filtered: sync\r\n/i);
    expect(head).not.toMatch(/x-remove-me/i);
    expect(head.slice(head.indexOf("\r\n\r\n") + 4)).toMatch(/^(6\r\n)?queued(\r\n0\r\n\r\n)?$/);
  });

  it("gives an implicit head from end(text) its length in bytes, with the filter's changes", async () => {
    const response = await send(`${url}/sync/implicit`);
    expect(response.status).toBe(200);
    expect(response.text()).toBe("héllo wörld");
    expect(response.headers["content-length"]).toBe(String(Buffer.byteLength("héllo wörld")));
    expect(response.headers["x-change-me"]).toBe("changed");
    expect(response.headers["x-remove-me"]).toBeUndefined();
    expect(response.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("streams the app's writes with node's own callbacks once a synchronous filter has sent the head", async () => {
    callbacks.length = 0;
    const response = await send(`${url}/sync/streamed`);
    expect(response.text()).toBe("one two three");
    expect(response.headers["x-filtered"]).toBe("sync");
    await expect.poll(() => [...callbacks].sort(), { timeout: 2_000 }).toEqual(["end", "write"]);
  });

  it("holds the app's body, in order, until an asynchronous filter has decided the head", async () => {
    callbacks.length = 0;
    const response = await send(`${url}/async/streamed`);
    expect(response.status).toBe(200);
    expect(response.headers["x-filtered"]).toBe("async");
    expect(response.text()).toBe("one two three");
    await expect.poll(() => [...callbacks].sort(), { timeout: 2_000 }).toEqual(["end", "write"]);
    const implicit = await send(`${url}/async/implicit`);
    expect(implicit.text()).toBe("héllo wörld");
    expect(implicit.headers["x-change-me"]).toBe("original");
    expect(implicit.headers["x-filtered"]).toBe("async");
  });

  it("passes a request no route selects to the app untouched", async () => {
    const response = await send(`${url}/implicit`);
    expect(response.text()).toBe("héllo wörld");
    expect(response.headers["x-change-me"]).toBe("original");
    expect(response.headers["x-remove-me"]).toBe("gone");
    expect(response.headers["x-filtered"]).toBeUndefined();
    expect(response.headers["x-request-id"]).toBeUndefined();
  });
});
