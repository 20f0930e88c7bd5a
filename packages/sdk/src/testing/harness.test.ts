import { describe, expect, it } from "vitest";
import { definePlugin } from "../define-plugin.js";
import { chainConformanceCases } from "./conformance.js";
import { createHarness, runChain, runPlugin } from "./harness.js";

describe("chain conformance on the in-memory harness", () => {
  for (const testCase of chainConformanceCases) {
    it(testCase.name, async () => {
      const scenario = testCase.build();
      const result = await runChain(scenario.plugins, { request: scenario.request, upstream: scenario.upstream });
      await scenario.done;
      scenario.verify({ status: result.status, headers: result.headers, body: result.body, upstreamRequest: result.upstreamRequest });
    });
  }
});

const greeting = definePlugin({
  name: "greeting",
  version: "1.0.0",
  priority: 800,
  configSchema: {
    type: "object",
    properties: { text: { type: "string", default: "hello" }, limit: { type: "integer", minimum: 1 } },
    additionalProperties: false,
  },
  credentials: {
    greeting_keys: { schema: { type: "object", properties: { key: { type: "string" } }, required: ["key"], additionalProperties: false } },
  },
  create(config, setup) {
    const keys = new Map(setup.credentials.greeting_keys?.map((credential) => [credential.key, credential]));
    return {
      access(ctx) {
        const credential = keys.get(ctx.request.header("x-key") ?? "");
        if (credential === undefined) return ctx.respond(401, { message: "Unauthorized" });
        ctx.authenticate(setup.findConsumer(credential.consumerId), credential);
        ctx.upstream.setHeader("x-greeting", config.text);
      },
    };
  },
});

describe("runPlugin", () => {
  it("applies schema defaults and hands credentials to create", async () => {
    const result = await runPlugin(greeting, {
      consumers: [{ username: "alice", credentials: { greeting_keys: [{ key: "k1" }] } }],
      request: { headers: { "x-key": "k1" } },
    });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-greeting"]).toBe("hello");
    expect(result.consumer?.username).toBe("alice");
    expect(result.phasesRun.map((entry) => entry.phase)).toEqual(["access"]);
  });

  it("refuses an invalid config with every failing path", async () => {
    const failure = await runPlugin(greeting, { config: { text: 5, limit: 0, extra: true } }).catch((error: Error) => error);
    expect(String(failure)).toContain("config.text: expected string");
    expect(String(failure)).toContain("config.limit: must be >= 1");
    expect(String(failure)).toContain("config.extra: unknown field");
  });

  it("refuses an invalid credential", async () => {
    await expect(
      runPlugin(greeting, { consumers: [{ username: "bob", credentials: { greeting_keys: [{ nope: 1 }] } }] }),
    ).rejects.toThrow(/invalid greeting_keys credential/);
  });

  it("returns 413 when a plugin buffers a body past its limit", async () => {
    const reader = definePlugin({
      name: "reader",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object" },
      create: () => ({ async access(ctx) { await ctx.request.body({ limit: 4 }); } }),
    });
    const result = await runPlugin(reader, { request: { method: "POST", body: "0123456789" } });
    expect(result.status).toBe(413);
    expect(result.json<{ message: string }>().message).toBe("Request body too large");
  });

  it("keeps instances across requests and closes them", async () => {
    let closed = false;
    const counter = definePlugin({
      name: "counter",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object" },
      create() {
        let count = 0;
        return {
          access: (ctx) => ctx.response.setHeader("x-count", String(++count)),
          close: () => { closed = true; },
        };
      },
    });
    const harness = await createHarness([counter]);
    await harness.request();
    const second = await harness.request();
    expect(second.headers["x-count"]).toBe("2");
    await harness.close();
    expect(closed).toBe(true);
  });

  it("resolves a consumer-scoped entry after authentication", async () => {
    const tag = definePlugin({
      name: "tag",
      version: "1.0.0",
      priority: 100,
      configSchema: { type: "object", properties: { value: { type: "string", default: "global" } } },
      create: (config) => ({ access: (ctx) => ctx.response.setHeader("x-tag", config.value) }),
    });
    const result = await runChain(
      [{ plugin: greeting }, { plugin: tag }, { plugin: tag, consumer: "alice", config: { value: "alice" } }],
      {
        consumers: [{ username: "alice", credentials: { greeting_keys: [{ key: "k1" }] } }],
        request: { headers: { "x-key": "k1" } },
      },
    );
    expect(result.headers["x-tag"]).toBe("alice");
  });
});
