/**
 * The cors plugin in a real browser: Debian's chromium, driven by playwright-core, loads pages from one origin and
 * calls the gateway on another (same host, different port, so a different origin). The browser, not the test,
 * decides whether a cross-origin response may be read.
 */
import http, { type Server } from "node:http";
import { createGateway, type Gateway } from "@portcullis/runtime";
import { definePlugin } from "@portcullis/sdk";
import { type Browser, chromium, type Page } from "playwright-core";
import { request as undiciRequest } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closeServer, listenLocal, withTimeout } from "./browser/servers.js";

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly cookie: string | undefined;
  readonly custom: string | undefined;
}

const gatewaySaw: Seen[] = [];
const upstreamSaw: Seen[] = [];
const authSaw: { method: string; path: string }[] = [];

function seen(request: http.IncomingMessage): Seen {
  return {
    method: request.method ?? "",
    path: request.url ?? "",
    cookie: request.headers.cookie,
    custom: request.headers["x-custom"] as string | undefined,
  };
}

/** Stands in for an auth plugin: counts its access calls and rejects requests without the custom header. */
const fakeAuth = definePlugin({
  name: "fake-auth",
  version: "1.0.0",
  priority: 1250,
  configSchema: { type: "object", additionalProperties: false },
  create: () => ({
    access(ctx) {
      authSaw.push({ method: ctx.request.method, path: ctx.request.path });
      if (ctx.request.header("x-custom") !== "let-me-in") return ctx.error(401);
    },
  }),
});

const page = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body>${title}</body></html>`;

function pageServer(title: string, setCookie?: string): Server {
  return http.createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      ...(setCookie === undefined ? {} : { "set-cookie": setCookie }),
    });
    response.end(page(title));
  });
}

let upstream: Server | undefined;
let allowedPages: Server | undefined;
let otherPages: Server | undefined;
let gatewayServer: Server | undefined;
let gateway: Gateway | undefined;
let browser: Browser | undefined;
let allowedOrigin = "";
let otherOrigin = "";
let gatewayOrigin = "";

beforeAll(async () => {
  upstream = http.createServer((request, response) => {
    upstreamSaw.push(seen(request));
    request.resume();
    response.writeHead(200, {
      "content-type": "application/json",
      "x-exposed": "exposed-value",
      "x-hidden": "hidden-value",
    });
    response.end(JSON.stringify({ upstream: true, path: request.url }));
  });
  const upstreamPort = await listenLocal(upstream);
  // Cookies ignore ports: the session cookie this page sets is sent to the gateway on a credentialed fetch.
  allowedPages = pageServer("allowed", "session=browser-cookie; Path=/");
  allowedOrigin = `http://127.0.0.1:${await listenLocal(allowedPages)}`;
  otherPages = pageServer("other");
  otherOrigin = `http://127.0.0.1:${await listenLocal(otherPages)}`;

  gateway = await createGateway({
    config: {
      _format_version: "3.0",
      services: [{ name: "app", url: `http://127.0.0.1:${upstreamPort}`, routes: [{ name: "api", paths: ["/api"] }] }],
      plugins: [
        {
          name: "cors",
          config: { origins: [allowedOrigin], credentials: true, exposed_headers: ["x-exposed"], headers: ["x-custom"] },
        },
        { name: "fake-auth" },
      ],
    },
    plugins: [fakeAuth],
    logger: false,
  });
  const handler = gateway.handler;
  gatewayServer = http.createServer((request, response) => {
    gatewaySaw.push(seen(request));
    handler(request, response);
  });
  gatewayOrigin = `http://127.0.0.1:${await listenLocal(gatewayServer)}`;

  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    timeout: 30_000,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);

afterAll(async () => {
  await withTimeout(browser?.close() ?? Promise.resolve(), 15_000, "browser.close").catch(() => undefined);
  await Promise.all([closeServer(gatewayServer), closeServer(allowedPages), closeServer(otherPages)]);
  await withTimeout(gateway?.close({ timeout: 2_000 }) ?? Promise.resolve(), 10_000, "gateway.close").catch(() => undefined);
  await closeServer(upstream);
}, 60_000);

beforeEach(() => {
  gatewaySaw.length = 0;
  upstreamSaw.length = 0;
  authSaw.length = 0;
});

interface FetchOutcome {
  readonly ok: boolean;
  readonly status?: number;
  readonly exposed?: string | null;
  readonly hidden?: string | null;
  readonly body?: unknown;
  readonly errorName?: string;
  readonly errorMessage?: string;
}

/** Opens `origin` in a fresh page and runs a cross-origin `fetch` there; a rejection is returned, not thrown. */
async function fetchFrom(origin: string, url: string, init: { credentials: "include" | "omit"; headers?: Record<string, string> }): Promise<FetchOutcome> {
  const context = await browser!.newContext();
  try {
    const tab: Page = await context.newPage();
    tab.setDefaultTimeout(15_000);
    await tab.goto(`${origin}/`);
    return await tab.evaluate(
      async ({ url, init }) => {
        try {
          const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
          return {
            ok: true,
            status: response.status,
            exposed: response.headers.get("x-exposed"),
            hidden: response.headers.get("x-hidden"),
            body: await response.json(),
          };
        } catch (error) {
          return { ok: false, errorName: (error as Error).name, errorMessage: (error as Error).message };
        }
      },
      { url, init },
    );
  } finally {
    await context.close();
  }
}

describe("cors in chromium", () => {
  it("lets the allowed origin make a credentialed fetch with a custom header and read an exposed header", async () => {
    const outcome = await fetchFrom(allowedOrigin, `${gatewayOrigin}/api/allowed`, {
      credentials: "include",
      headers: { "x-custom": "let-me-in" },
    });
    expect(outcome).toEqual({
      ok: true,
      status: 200,
      exposed: "exposed-value",
      hidden: null,
      // Kong's routes strip the matched prefix by default (strip_path: true).
      body: { upstream: true, path: "/allowed" },
    });
    const proxied = upstreamSaw.filter((entry) => entry.method === "GET");
    expect(proxied).toHaveLength(1);
    expect(proxied[0]).toMatchObject({ cookie: "session=browser-cookie", custom: "let-me-in" });
  });

  it("lets the allowed origin read a 401 from the auth plugin, because the CORS headers are on it", async () => {
    const outcome = await fetchFrom(allowedOrigin, `${gatewayOrigin}/api/no-key`, { credentials: "include" });
    expect(outcome).toMatchObject({ ok: true, status: 401, body: { message: "Unauthorized" } });
    expect(upstreamSaw).toEqual([]);
  });

  it("has the browser itself block a disallowed origin's preflighted fetch", async () => {
    const outcome = await fetchFrom(otherOrigin, `${gatewayOrigin}/api/other-preflighted`, {
      credentials: "include",
      headers: { "x-custom": "let-me-in" },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.errorName).toBe("TypeError");
    expect(gatewaySaw.map((entry) => entry.method)).toEqual(["OPTIONS"]);
    expect(upstreamSaw).toEqual([]);
  });

  it("has the browser itself block a disallowed origin's simple fetch", async () => {
    const outcome = await fetchFrom(otherOrigin, `${gatewayOrigin}/api/other-simple`, { credentials: "omit" });
    expect(outcome.ok).toBe(false);
    expect(outcome.errorName).toBe("TypeError");
    expect(gatewaySaw.map((entry) => entry.method)).toEqual(["GET"]);
  });

  it("answers the browser's preflight before the auth plugin and the upstream", async () => {
    const outcome = await fetchFrom(allowedOrigin, `${gatewayOrigin}/api/preflight-count`, {
      credentials: "include",
      headers: { "x-custom": "let-me-in" },
    });
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(gatewaySaw.map((entry) => entry.method)).toEqual(["OPTIONS", "GET"]);
    expect(authSaw).toEqual([{ method: "GET", path: "/api/preflight-count" }]);
    expect(upstreamSaw.map((entry) => entry.method)).toEqual(["GET"]);
  });

  it("answers a preflight with 200, an empty body and the CORS headers, touching neither auth nor upstream", async () => {
    const response = await undiciRequest(`${gatewayOrigin}/api/direct`, {
      method: "OPTIONS",
      headers: {
        origin: allowedOrigin,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "x-custom",
      },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(body).toBe("");
    expect(response.headers["content-length"]).toBe("0");
    expect(response.headers).toMatchObject({
      "access-control-allow-origin": allowedOrigin,
      "access-control-allow-credentials": "true",
      "access-control-allow-headers": "x-custom",
      "access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT",
      vary: "Origin",
    });
    expect(response.headers["access-control-expose-headers"]).toBeUndefined();
    expect(authSaw).toEqual([]);
    expect(upstreamSaw).toEqual([]);
  });
});
