import { definePlugin, type PluginSetup } from "@portcullis/sdk";
import { type ChainResult, createHarness, runChain, runPlugin, type TestRequest, type TestUpstream } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import cors from "./plugin.js";

const defaultMethods = "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT";
const corsHeaderNames = [
  "access-control-allow-origin",
  "access-control-allow-credentials",
  "access-control-allow-headers",
  "access-control-allow-methods",
  "access-control-expose-headers",
  "access-control-max-age",
  "access-control-allow-private-network",
  "vary",
] as const;

/** The CORS headers of a response, absent ones left out, so that a single toEqual pins every one of them. */
function corsHeaders(result: ChainResult): Record<string, string | string[]> {
  const picked: Record<string, string | string[]> = {};
  for (const name of corsHeaderNames) {
    const value = result.headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function preflight(origin: string, headers: Record<string, string> = {}): TestRequest {
  return { method: "OPTIONS", path: "/", headers: { origin, "access-control-request-method": "GET", ...headers } };
}

async function run(config: unknown, request: TestRequest, upstream?: TestUpstream) {
  let upstreamHits = 0;
  const result = await runPlugin(cors, {
    config,
    request,
    upstream: async (received) => {
      upstreamHits++;
      if (typeof upstream === "function") return upstream(received);
      return upstream ?? { status: 200, body: { method: received.method } };
    },
  });
  return { result, upstreamHits };
}

/** The harness keeps what `create` logs to itself, so the load-time warning is observed through a setup stub. */
async function loadWarnings(config: Record<string, unknown>): Promise<string[]> {
  const warnings: string[] = [];
  const ignore = () => {};
  const setup = {
    log: { debug: ignore, info: ignore, error: ignore, warn: (message: string) => warnings.push(message) },
  } as unknown as PluginSetup;
  const defaults = { credentials: false, private_network: false, preflight_continue: false, allow_origin_absent: true };
  await cors.create({ ...defaults, allow_any_origin_with_credentials: false, methods: null, ...config }, setup);
  return warnings;
}

const cors2 = {
  origins: ["example.test"],
  methods: ["GET"],
  headers: ["origin", "type", "accepts"],
  exposed_headers: ["x-auth-token"],
  max_age: 23,
  credentials: true,
};

describe("cors plugin definition", () => {
  it("is Kong's cors: priority 2000, no consumer scoping", () => {
    expect(cors.name).toBe("cors");
    expect(cors.priority).toBe(2000);
    expect(cors.allowConsumerScope).toBe(false);
  });
});

describe("schema (Kong spec)", () => {
  it.each([[["*"]], [["example.com"]], [[".*\\.example(?:-foo)?\\.com"]], [null], [[]]])("accepts origins %j", async (origins) => {
    const harness = await createHarness([{ plugin: cors, config: { origins } }]);
    await harness.close();
  });

  it("refuses an invalid regex, naming its index", async () => {
    await expect(createHarness([{ plugin: cors, config: { origins: [".*.example.com", "invalid_**regex"] } }])).rejects.toThrow(
      "config.origins[1]: 'invalid_**regex' is not a valid regex",
    );
  });

  it("refuses the same config in create when a runner skipped checkConfig", async () => {
    const { checkConfig: _skipped, ...withoutCheck } = cors;
    const unchecked = definePlugin(withoutCheck);
    await expect(runPlugin(unchecked, { config: { origins: ["ok", "(bad"] } })).rejects.toMatchObject({
      code: "PC_CORS_ORIGIN_INVALID",
      message: "cors: config.origins[1]: '(bad' is not a valid regex",
    });
  });

  it("allows every method", async () => {
    const methods = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT"];
    const { result } = await run({ methods }, preflight("http://a.test"));
    expect(result.headers["access-control-allow-methods"]).toBe(defaultMethods);
  });

  it("refuses FAKE with Kong's one_of message", async () => {
    await expect(createHarness([{ plugin: cors, config: { methods: ["GET", "FAKE"] } }])).rejects.toThrow(
      "config.methods[1]: expected one of: GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS, TRACE, CONNECT",
    );
  });

  it("refuses unknown fields and wrong types", async () => {
    await expect(createHarness([{ plugin: cors, config: { origin: ["*"] } }])).rejects.toThrow("config.origin: unknown field");
    await expect(createHarness([{ plugin: cors, config: { credentials: "yes" } }])).rejects.toThrow(
      "config.credentials: expected boolean",
    );
  });

  it("treats null methods as Kong's default list", async () => {
    const { result } = await run({ methods: null }, preflight("http://a.test"));
    expect(result.headers["access-control-allow-methods"]).toBe(defaultMethods);
  });
});

describe("preflight (Kong spec)", () => {
  it("cors1 (defaults): 200, Content-Length 0, default methods, '*', nothing else; no upstream", async () => {
    const { result, upstreamHits } = await run({}, preflight("http://a.test"));
    expect(result.status).toBe(200);
    expect(result.headers["content-length"]).toBe("0");
    expect(result.body.length).toBe(0);
    expect(corsHeaders(result)).toEqual({ "access-control-allow-methods": defaultMethods, "access-control-allow-origin": "*" });
    expect(upstreamHits).toBe(0);
  });

  it("origins {} behaves as cors1", async () => {
    const { result } = await run({ origins: [] }, preflight("http://a.test"));
    expect(corsHeaders(result)).toEqual({ "access-control-allow-methods": defaultMethods, "access-control-allow-origin": "*" });
  });

  it("cors14 {foo.bar, *}: '*'", async () => {
    const { result } = await run({ origins: ["foo.bar", "*"] }, preflight("http://www.example.net"));
    expect(result.headers["access-control-allow-origin"]).toBe("*");
  });

  it("cors2: methods, plain origin verbatim, max age, credentials, allow headers, Vary; no expose", async () => {
    const { result } = await run(cors2, preflight("http://whatever.test"));
    expect(result.status).toBe(200);
    expect(corsHeaders(result)).toEqual({
      "access-control-allow-methods": "GET",
      "access-control-allow-origin": "example.test",
      "access-control-max-age": "23",
      "access-control-allow-credentials": "true",
      "access-control-allow-headers": "origin,type,accepts",
      vary: "Origin",
    });
  });

  it("cors3 (preflight_continue): OPTIONS without Origin is proxied", async () => {
    const { result, upstreamHits } = await run(
      { preflight_continue: true },
      { method: "OPTIONS", path: "/status/201" },
      { status: 201, body: { code: 201 } },
    );
    expect(upstreamHits).toBe(1);
    expect(result.status).toBe(201);
    expect(result.json()).toEqual({ code: 201 });
  });

  it("preflight_continue proxies a real preflight and adds no CORS headers", async () => {
    const { result, upstreamHits } = await run({ preflight_continue: true, origins: ["http://a.test"], credentials: true }, preflight("http://a.test"), {
      status: 204,
      headers: { "access-control-allow-origin": "http://upstream.test" },
    });
    expect(upstreamHits).toBe(1);
    expect(result.status).toBe(204);
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "http://upstream.test" });
  });

  it("echoes Access-Control-Request-Headers when no headers are configured", async () => {
    const { result } = await run({ origins: ["*"] }, preflight("http://a.test", { "access-control-request-headers": "origin,accepts" }));
    expect(result.headers["access-control-allow-headers"]).toBe("origin,accepts");
  });

  it("cors10: OPTIONS without Access-Control-Request-Method is not a preflight", async () => {
    const config = { origins: ["http://my-site.test", "http://my-other-site.test"] };
    const request = (origin: string): TestRequest => ({ method: "OPTIONS", path: "/", headers: { origin } });
    const allowed = await run(config, request("http://my-site.test"));
    expect(allowed.upstreamHits).toBe(1);
    expect(allowed.result.status).toBe(200);
    expect(allowed.result.headers["access-control-allow-origin"]).toBe("http://my-site.test");
    expect(allowed.result.headers["access-control-allow-methods"]).toBeUndefined();
    for (const origin of ["http://bad-guys.test", "http://my-site.test.bad-guys.test"]) {
      const { result } = await run(config, request(origin));
      expect(result.headers["access-control-allow-origin"]).toBeUndefined();
    }
  });

  it("an empty Origin is not a preflight", async () => {
    const { result, upstreamHits } = await run({}, preflight(""));
    expect(upstreamHits).toBe(1);
    expect(result.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("cors13 private_network: allows private network access when asked", async () => {
    const config = { origins: ["allowed-domain.test"], private_network: true };
    const asked = await run(config, {
      method: "OPTIONS",
      headers: { origin: "allowed-domain.test", "access-control-request-method": "PUT", "access-control-request-private-network": "true" },
    });
    expect(asked.result.headers["access-control-allow-private-network"]).toBe("true");
    const notAsked = await run(config, preflight("allowed-domain.test"));
    expect(notAsked.result.headers["access-control-allow-private-network"]).toBeUndefined();
    const disabled = await run({ origins: ["allowed-domain.test"] }, preflight("allowed-domain.test", { "access-control-request-private-network": "true" }));
    expect(disabled.result.headers["access-control-allow-private-network"]).toBeUndefined();
  });

  it("answers a preflight from a rejected origin with 200 and no ACAO or credentials", async () => {
    const { result, upstreamHits } = await run({ origins: ["http://a.test", "http://b.test"], credentials: true }, preflight("http://evil.test"));
    expect(upstreamHits).toBe(0);
    expect(result.status).toBe(200);
    expect(corsHeaders(result)).toEqual({ "access-control-allow-methods": defaultMethods, vary: "Origin" });
  });
});

describe("'*' with credentials: deliberate difference from Kong (cors5)", () => {
  const cors5 = { origins: ["*"], credentials: true };

  it("by default sends '*' without credentials, on preflights and responses, and warns at load", async () => {
    const answered = await run(cors5, preflight("origin5.test"));
    expect(corsHeaders(answered.result)).toEqual({ "access-control-allow-methods": defaultMethods, "access-control-allow-origin": "*" });
    const response = await run(cors5, { headers: { origin: "http://www.example.net" } });
    expect(corsHeaders(response.result)).toEqual({ "access-control-allow-origin": "*" });
    expect(await loadWarnings(cors5)).toEqual([expect.stringContaining("allow_any_origin_with_credentials")]);
  });

  const kongCors5 = { ...cors5, allow_any_origin_with_credentials: true };

  it("with allow_any_origin_with_credentials, a preflight echoes the Origin with credentials and Vary (Kong)", async () => {
    const { result } = await run(kongCors5, preflight("origin5.test"));
    expect(corsHeaders(result)).toEqual({
      "access-control-allow-methods": defaultMethods,
      "access-control-allow-origin": "origin5.test",
      "access-control-allow-credentials": "true",
      vary: "Origin",
    });
    expect(await loadWarnings(kongCors5)).toEqual([]);
  });

  it("with allow_any_origin_with_credentials, a response echoes the Origin verbatim, port included (Kong)", async () => {
    for (const origin of ["http://www.example.net", "http://www.example.net:3000"]) {
      const { result } = await run(kongCors5, { headers: { origin } });
      expect(corsHeaders(result)).toEqual({
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        vary: "Origin",
      });
    }
  });

  it("with allow_any_origin_with_credentials and Access-Control-Request-Headers, echoes them (Kong)", async () => {
    const { result } = await run(kongCors5, preflight("origin5.test", { "access-control-request-headers": "origin,accepts" }));
    expect(result.headers["access-control-allow-headers"]).toBe("origin,accepts");
  });
});

describe("responses (Kong spec)", () => {
  it("cors1, GET without Origin: '*' only", async () => {
    const { result } = await run({}, { path: "/" });
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "*" });
  });

  it("cors1, OPTIONS without Origin is proxied with '*' only", async () => {
    const { result, upstreamHits } = await run({}, { method: "OPTIONS", path: "/anything" });
    expect(upstreamHits).toBe(1);
    expect(result.json()).toEqual({ method: "OPTIONS" });
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "*" });
  });

  it("cors2, GET: origin, expose, credentials, Vary; no methods, headers or max age", async () => {
    const { result } = await run(cors2, { headers: { origin: "http://example.test" } });
    expect(corsHeaders(result)).toEqual({
      "access-control-allow-origin": "example.test",
      "access-control-expose-headers": "x-auth-token",
      "access-control-allow-credentials": "true",
      vary: "Origin",
    });
  });

  it("upstream error (502, cors-timeout) keeps origin, expose and Vary", async () => {
    const config = { origins: ["example.test"], exposed_headers: ["x-auth-token"], preflight_continue: true };
    const { result } = await run(config, { headers: { origin: "example.test" } }, { status: 502, body: "bad gateway" });
    expect(result.status).toBe(502);
    expect(corsHeaders(result)).toEqual({
      "access-control-allow-origin": "example.test",
      "access-control-expose-headers": "x-auth-token",
      vary: "Origin",
    });
  });

  it("upstream 404 on cors1: '*', no Vary", async () => {
    const { result } = await run({}, { headers: { origin: "http://a.test" } }, { status: 404 });
    expect(result.status).toBe(404);
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "*" });
  });

  it("cors6 {example.test, example.org}: plain Origin echoed with Vary; scheme-qualified Origins rejected", async () => {
    const config = { origins: ["example.test", "example.org"] };
    const { result } = await run(config, { headers: { origin: "example.test" } });
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "example.test", vary: "Origin" });
    for (const origin of ["http://example.test", "https://example.test", "http://www.example.net"]) {
      const rejected = await run(config, { headers: { origin } });
      expect(corsHeaders(rejected.result)).toEqual({ vary: "Origin" });
    }
  });

  it.each([
    ["example.test", true],
    ["www.example.test", true],
    ["example-foo.test", true],
    ["www.example-foo.test", true],
    ["www.example-fo0.test", false],
  ])("cors9 regex, Origin %s allowed: %s; Vary always Origin", async (origin, allowed) => {
    const { result } = await run({ origins: [".*\\.?example(?:-foo)?.test"] }, { headers: { origin } });
    expect(result.headers["access-control-allow-origin"]).toBe(allowed ? origin : undefined);
    expect(result.headers.vary).toBe("Origin");
  });

  it.each([
    ["a.test", "a.test"],
    ["b.test", "b.test"],
    ["a.test.evil.example", undefined],
    ["http://a.test.evil.example", undefined],
  ])("an alternation is anchored as a whole (deliberate difference), Origin %s → ACAO %s", async (origin, expected) => {
    const { result } = await run({ origins: ["a\\.test|b\\.test"] }, { headers: { origin } });
    expect(result.headers["access-control-allow-origin"]).toBe(expected);
  });

  it("cors-upstream: Vary from the upstream is kept and Origin appended", async () => {
    const { result } = await run({ origins: ["example.test"] }, { headers: { origin: "example.test" } }, {
      headers: { vary: "Accept-Encoding" },
      body: "ok",
    });
    expect(result.headers.vary).toEqual(["Accept-Encoding", "Origin"]);
  });

  it.each([
    ["http://my-site.test", "http://my-site.test"],
    ["http://my-site.test:80", "http://my-site.test"],
    ["http://my-site.test:8000", undefined],
    ["https://my-site.test", undefined],
    ["https://my-other-site.test:9000", "https://my-other-site.test:9000"],
    ["https://my-other-site.test:9001", undefined],
  ])("cors11, Origin %s → ACAO %s", async (origin, expected) => {
    const { result } = await run({ origins: ["http://my-site.test", "https://my-other-site.test:9000"] }, { headers: { origin } });
    expect(result.headers["access-control-allow-origin"]).toBe(expected);
  });

  it("cors7 ('*', no credentials): '*', no credentials, no Vary", async () => {
    const { result } = await run({ origins: ["*"] }, { headers: { origin: "http://www.example.net" } });
    expect(corsHeaders(result)).toEqual({ "access-control-allow-origin": "*" });
  });

  it("cors14 GET: '*'", async () => {
    const { result } = await run({ origins: ["foo.bar", "*"] }, { headers: { origin: "http://www.example.net" } });
    expect(result.headers["access-control-allow-origin"]).toBe("*");
  });

  describe("cors12 (credentials, two origins, upstream sends ACAO '*')", () => {
    const config = { credentials: true, origins: ["a.xxx.test", "allowed-domain.test"], methods: null };
    const upstream = { headers: { "access-control-allow-origin": "*" }, body: "ok" };

    it("allowed Origin: replaced ACAO, credentials, Vary", async () => {
      const { result } = await run(config, { headers: { origin: "allowed-domain.test" } }, upstream);
      expect(corsHeaders(result)).toEqual({
        "access-control-allow-origin": "allowed-domain.test",
        "access-control-allow-credentials": "true",
        vary: "Origin",
      });
    });

    it("rejected Origin: upstream ACAO removed, and no credentials (deliberate difference: Kong sends ACAC true)", async () => {
      const { result } = await run(config, { headers: { origin: "disallowed-domain.test" } }, upstream);
      expect(corsHeaders(result)).toEqual({ vary: "Origin" });
    });

    it("absent Origin: no ACAO and no credentials (Kong sends ACAC true)", async () => {
      const { result } = await run(config, { path: "/" }, upstream);
      expect(corsHeaders(result)).toEqual({ vary: "Origin" });
    });
  });

  it.each([[{}], [{ origin: "" }]])("cors15 (allow_origin_absent false), headers %j: nothing added", async (headers) => {
    const config = { origins: ["foo.bar"], credentials: true, exposed_headers: ["x-auth-token"], allow_origin_absent: false };
    const { result } = await run(config, { headers });
    expect(corsHeaders(result)).toEqual({});
  });

  it("cors16 (allow_origin_absent true), no Origin: origin, credentials, expose", async () => {
    const config = { origins: ["foo.bar"], credentials: true, exposed_headers: ["x-auth-token"], allow_origin_absent: true };
    const { result } = await run(config, { path: "/" });
    expect(corsHeaders(result)).toEqual({
      "access-control-allow-origin": "foo.bar",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-auth-token",
      vary: "Origin",
    });
  });
});

describe("in a chain: CORS headers land on responses from other plugins", () => {
  let authCalls = 0;
  const fakeAuth = definePlugin({
    name: "fake-auth",
    version: "1.0.0",
    priority: 1250,
    configSchema: { type: "object", additionalProperties: false },
    create: () => ({
      access(ctx) {
        authCalls++;
        if (ctx.request.header("apikey") !== "secret") return ctx.error(401, "No API key found in request");
      },
    }),
  });
  const fakeLimit = definePlugin({
    name: "fake-limit",
    version: "1.0.0",
    priority: 910,
    configSchema: { type: "object", additionalProperties: false },
    create: () => ({ access: (ctx) => ctx.error(429, "API rate limit exceeded", { "retry-after": "60" }) }),
  });
  const crashing = definePlugin({
    name: "crashing",
    version: "1.0.0",
    priority: 1000,
    configSchema: { type: "object", additionalProperties: false },
    create: () => ({
      access() {
        throw new Error("boom");
      },
    }),
  });
  const config = { origins: ["http://app.test"], credentials: true, exposed_headers: ["x-auth-token"] };
  const allowedHeaders = {
    "access-control-allow-origin": "http://app.test",
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": "x-auth-token",
    vary: "Origin",
  };

  it("cors4: a 401 from an auth plugin carries the CORS headers", async () => {
    const result = await runChain([{ plugin: cors, config }, fakeAuth], { request: { headers: { origin: "http://app.test" } } });
    expect(result.status).toBe(401);
    expect(corsHeaders(result)).toEqual(allowedHeaders);
  });

  it("cors4 with defaults: a 401 gets '*'", async () => {
    const result = await runChain([cors, fakeAuth], { request: { headers: { origin: "http://app.test" } } });
    expect(result.status).toBe(401);
    expect(result.headers["access-control-allow-origin"]).toBe("*");
  });

  it("a 429 from rate limiting carries the CORS headers", async () => {
    const result = await runChain([{ plugin: cors, config }, fakeAuth, fakeLimit], {
      request: { headers: { origin: "http://app.test", apikey: "secret" } },
    });
    expect(result.status).toBe(429);
    expect(result.headers["retry-after"]).toBe("60");
    expect(corsHeaders(result)).toEqual(allowedHeaders);
  });

  it("a runtime error in a later plugin's access: 500 with the same CORS headers", async () => {
    const result = await runChain([{ plugin: cors, config }, crashing], { request: { headers: { origin: "http://app.test" } } });
    expect(result.status).toBe(500);
    expect(corsHeaders(result)).toEqual(allowedHeaders);
  });

  it("a preflight reaches neither the auth plugin nor the upstream", async () => {
    const harness = await createHarness([{ plugin: cors, config }, fakeAuth, fakeLimit]);
    try {
      authCalls = 0;
      let upstreamHits = 0;
      const result = await harness.request(preflight("http://app.test", { "access-control-request-headers": "apikey" }), () => {
        upstreamHits++;
        return { status: 200 };
      });
      expect(result.status).toBe(200);
      expect(result.headers["access-control-allow-origin"]).toBe("http://app.test");
      expect(result.headers["access-control-allow-headers"]).toBe("apikey");
      expect(authCalls).toBe(0);
      expect(upstreamHits).toBe(0);
      expect(result.phasesRun.filter((entry) => entry.phase === "access").map((entry) => entry.plugin)).toEqual(["cors"]);
    } finally {
      await harness.close();
    }
  });
});
