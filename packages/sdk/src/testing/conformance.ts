/**
 * The chain semantics every runner must share, as data: the in-memory harness runs these cases, and so does the
 * real runtime over sockets. If either drifts from Kong's contract, its own test suite fails.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Phase } from "../context.js";
import { definePlugin } from "../define-plugin.js";
import type { PluginInstance } from "../plugin.js";
import type { ChainEntry, TestRequest, TestUpstreamResponse, UpstreamRequestRecord } from "./harness.js";

export interface ConformanceResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** What the upstream received; undefined when it was never called. */
  readonly upstreamRequest: Pick<UpstreamRequestRecord, "method" | "path" | "headers"> | undefined;
}

export interface ConformanceScenario {
  readonly plugins: readonly ChainEntry[];
  readonly request: TestRequest;
  readonly upstream: TestUpstreamResponse;
  /** Resolves once the last plugin's log phase ran; a runner waits for it before `verify`. */
  readonly done: Promise<void>;
  verify(result: ConformanceResult): void;
}

export interface ConformanceCase {
  readonly name: string;
  /** Builds fresh plugins for one run. */
  build(): ConformanceScenario;
}

type Trace = string[];

function tracing(trace: Trace, name: string, priority: number, extra: PluginInstance = {}) {
  const record = (phase: Phase) => trace.push(`${name}:${phase}`);
  return definePlugin({
    name,
    version: "1.0.0",
    priority,
    configSchema: { type: "object", additionalProperties: false },
    create: () => ({
      access: async (ctx) => {
        record("access");
        return extra.access?.(ctx);
      },
      headerFilter: async (ctx) => {
        record("headerFilter");
        await extra.headerFilter?.(ctx);
      },
      ...(extra.bodyFilter === undefined ? {} : { bodyFilter: extra.bodyFilter }),
      log: async (ctx) => {
        record("log");
        await extra.log?.(ctx);
      },
    }),
  });
}

/** The lowest-priority plugin of every scenario: its log phase runs last and resolves `done`. */
function finisher(): { entry: ChainEntry; done: Promise<void> } {
  let resolve: () => void = () => {};
  const done = new Promise<void>((settle) => {
    resolve = settle;
  });
  const plugin = definePlugin({
    name: "zz-finisher",
    version: "1.0.0",
    priority: -1_000_000,
    configSchema: { type: "object" },
    create: () => ({ log: () => resolve() }),
  });
  return { entry: { plugin }, done };
}

function scenario(
  plugins: ChainEntry[],
  request: TestRequest,
  upstream: TestUpstreamResponse,
  verify: (result: ConformanceResult) => void,
): ConformanceScenario {
  const last = finisher();
  return { plugins: [...plugins, last.entry], request, upstream, done: last.done, verify };
}

const okUpstream: TestUpstreamResponse = { status: 200, headers: { "content-type": "text/plain" }, body: "upstream ok" };

export const chainConformanceCases: readonly ConformanceCase[] = [
  {
    name: "runs every phase in priority order, equal priorities in reverse alphabetical order",
    build() {
      const trace: Trace = [];
      return scenario(
        [{ plugin: tracing(trace, "alpha", 100) }, { plugin: tracing(trace, "bravo", 100) }, { plugin: tracing(trace, "charlie", 200) }],
        { method: "GET", path: "/order" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 200);
          strictEqual(result.body.toString(), "upstream ok");
          deepStrictEqual(trace, [
            "charlie:access", "bravo:access", "alpha:access",
            "charlie:headerFilter", "bravo:headerFilter", "alpha:headerFilter",
            "charlie:log", "bravo:log", "alpha:log",
          ]);
        },
      );
    },
  },
  {
    name: "an exit in access skips later access handlers and the upstream, but headerFilter and log run for the whole chain",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          { plugin: tracing(trace, "cors-like", 2000, { headerFilter: (ctx) => ctx.response.setHeader("access-control-allow-origin", "*") }) },
          { plugin: tracing(trace, "auth-like", 1000, { access: (ctx) => ctx.respond(401, { message: "Unauthorized" }, { "www-authenticate": "Bearer" }) }) },
          { plugin: tracing(trace, "limit-like", 900, { headerFilter: (ctx) => ctx.response.setHeader("x-limit-seen", String(ctx.response.status)) }) },
        ],
        { method: "GET", path: "/secret" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 401);
          strictEqual(result.body.toString(), '{"message":"Unauthorized"}');
          strictEqual(result.headers["access-control-allow-origin"], "*");
          strictEqual(result.headers["www-authenticate"], "Bearer");
          strictEqual(result.headers["x-limit-seen"], "401");
          strictEqual(result.upstreamRequest, undefined);
          deepStrictEqual(trace, [
            "cors-like:access", "auth-like:access",
            "cors-like:headerFilter", "auth-like:headerFilter", "limit-like:headerFilter",
            "cors-like:log", "auth-like:log", "limit-like:log",
          ]);
        },
      );
    },
  },
  {
    name: "a throw in access becomes a 500 with Kong's message, and later phases still run",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          { plugin: tracing(trace, "thrower", 1000, { access: () => { throw new Error("boom: internal detail"); } }) },
          { plugin: tracing(trace, "after", 500, { headerFilter: (ctx) => ctx.response.setHeader("x-after", "ran") }) },
        ],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 500);
          const body = JSON.parse(result.body.toString()) as { message: string };
          strictEqual(body.message, "An unexpected error occurred");
          ok(!result.body.toString().includes("internal detail"), "the error detail must not leak to the client");
          strictEqual(result.headers["x-after"], "ran");
          strictEqual(result.upstreamRequest, undefined);
          deepStrictEqual(trace, ["thrower:access", "thrower:headerFilter", "after:headerFilter", "thrower:log", "after:log"]);
        },
      );
    },
  },
  {
    name: "upstream header changes reach the upstream, and response headers set in access land on the response",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          {
            plugin: tracing(trace, "rewriter", 1000, {
              access: (ctx) => {
                ctx.upstream.setHeader("x-consumer-username", "alice");
                ctx.upstream.removeHeader("x-remove-me");
                ctx.response.setHeader("x-ratelimit-remaining-minute", "5");
              },
            }),
          },
        ],
        { method: "POST", path: "/orders", headers: { "x-remove-me": "1", "x-keep-me": "2" }, body: "{}" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 200);
          ok(result.upstreamRequest !== undefined, "the upstream must be called");
          strictEqual(result.upstreamRequest.method, "POST");
          strictEqual(result.upstreamRequest.headers["x-consumer-username"], "alice");
          strictEqual(result.upstreamRequest.headers["x-remove-me"], undefined);
          strictEqual(result.upstreamRequest.headers["x-keep-me"], "2");
          strictEqual(result.headers["x-ratelimit-remaining-minute"], "5");
        },
      );
    },
  },
  {
    name: "body filters transform the stream in priority order and drop content-length",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          { plugin: tracing(trace, "upper", 200, { bodyFilter: (_ctx, chunk) => chunk.toString().toUpperCase() }) },
          { plugin: tracing(trace, "bang", 100, { bodyFilter: (_ctx, chunk, eof) => (eof ? Buffer.concat([chunk, Buffer.from("!")]) : undefined) }) },
        ],
        { method: "GET", path: "/" },
        { status: 200, headers: { "content-type": "text/plain" }, chunks: ["hello ", "world"] },
        (result) => {
          strictEqual(result.status, 200);
          strictEqual(result.body.toString(), "HELLO WORLD!");
          strictEqual(result.headers["content-length"], undefined);
        },
      );
    },
  },
  {
    name: "headerFilter may change the status of an upstream response",
    build() {
      const trace: Trace = [];
      return scenario(
        [{ plugin: tracing(trace, "status", 100, { headerFilter: (ctx) => ctx.response.setStatus(203) }) }],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 203);
          strictEqual(result.body.toString(), "upstream ok");
        },
      );
    },
  },
  {
    name: "a throw in log is logged and isolated: the response is intact and other log handlers run",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          { plugin: tracing(trace, "bad-logger", 200, { log: () => { throw new Error("log failure"); } }) },
          { plugin: tracing(trace, "good-logger", 100) },
        ],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 200);
          strictEqual(result.body.toString(), "upstream ok");
          ok(trace.includes("good-logger:log"), "later log handlers must still run");
        },
      );
    },
  },
  {
    name: "ctx.shared is shared by all plugins, ctx.state is private to one",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          {
            plugin: tracing(trace, "writer", 200, {
              access: (ctx) => {
                ctx.shared.token = "abc";
                ctx.state.mine = "writer";
              },
            }),
          },
          {
            plugin: tracing(trace, "reader", 100, {
              headerFilter: (ctx) => {
                ctx.response.setHeader("x-shared", String(ctx.shared.token));
                ctx.response.setHeader("x-state", String(ctx.state.mine));
              },
            }),
          },
        ],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.headers["x-shared"], "abc");
          strictEqual(result.headers["x-state"], "undefined");
        },
      );
    },
  },
  {
    name: "error() sends Kong's error template with the request id",
    build() {
      const trace: Trace = [];
      return scenario(
        [{ plugin: tracing(trace, "limiter", 910, { access: (ctx) => ctx.error(429, "API rate limit exceeded", { "retry-after": "30" }) }) }],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 429);
          strictEqual(result.headers["retry-after"], "30");
          ok(String(result.headers["content-type"]).startsWith("application/json"));
          const text = result.body.toString();
          ok(/^\{\n {2}"message":"API rate limit exceeded",\n {2}"request_id":"[^"]+"\n\}$/.test(text), `unexpected body ${text}`);
        },
      );
    },
  },
  {
    name: "the consumer set by authenticate is visible to later plugins",
    build() {
      const trace: Trace = [];
      return scenario(
        [
          { plugin: tracing(trace, "auth", 1000, { access: (ctx) => ctx.authenticate({ id: "c-1", username: "alice" }) }) },
          {
            plugin: tracing(trace, "user", 500, {
              access: (ctx) => ctx.upstream.setHeader("x-seen-consumer", ctx.consumer?.username ?? "none"),
            }),
          },
        ],
        { method: "GET", path: "/" },
        okUpstream,
        (result) => {
          strictEqual(result.status, 200);
          strictEqual(result.upstreamRequest?.headers["x-seen-consumer"], "alice");
        },
      );
    },
  },
];
