import { definePlugin } from "@portcullis/sdk";
import { createHarness, runChain, runPlugin } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import headerStamp from "./plugin.js";

const alice = { username: "alice", credentials: { stamp_keys: [{ key: "alice-key" }] } };

describe("header-stamp", () => {
  it("stamps the upstream request and the response", async () => {
    const result = await runPlugin(headerStamp, { config: { value: "v1" }, request: { path: "/orders" } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-stamp"]).toBe("v1");
    expect(result.headers["x-stamp"]).toBe("v1; source=upstream");
  });

  it("applies schema defaults and refuses an invalid config at load, naming the field", async () => {
    await expect(runPlugin(headerStamp, { config: {} })).rejects.toThrow(/value/);
    await expect(runPlugin(headerStamp, { config: { value: "v1", header: "" } })).rejects.toThrow(/header/);
  });

  it("authenticates a consumer by its stamp key, from credentials indexed at load", async () => {
    const result = await runPlugin(headerStamp, {
      config: { value: "v1", require_key: true },
      consumers: [alice],
      request: { path: "/", headers: { "x-stamp-key": "alice-key" } },
    });
    expect(result.status).toBe(200);
    expect(result.consumer?.username).toBe("alice");
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("alice");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe("alice-key");
  });

  it("short-circuits with 401 without a known key; headerFilter and log still run", async () => {
    const result = await runPlugin(headerStamp, {
      config: { value: "v1", require_key: true },
      consumers: [alice],
      request: { path: "/", headers: { "x-stamp-key": "someone-else" } },
    });
    expect(result.status).toBe(401);
    // ctx.error() is an exit whose response source is "error"; ctx.respond() gives "exit".
    expect(result.source).toBe("error");
    expect(result.upstreamRequest).toBeUndefined();
    expect(result.headers["x-stamp"]).toBe("v1; source=error");
    expect(result.json()).toMatchObject({ message: "A valid x-stamp-key is required" });
    expect(result.logs.find((record) => record.message === "stamped")?.fields).toMatchObject({ status: 401, stampedUpstream: false });
  });

  it("appends the footer to text bodies streamed in chunks, and leaves other bodies alone", async () => {
    const harness = await createHarness([{ plugin: headerStamp, config: { value: "v1", footer: "-- stamped" } }]);
    try {
      const text = await harness.request({ path: "/" }, { headers: { "content-type": "text/plain" }, chunks: ["hello ", "world"] });
      expect(text.text()).toBe("hello world\n-- stamped\n");
      const json = await harness.request({ path: "/" }, { headers: { "content-type": "application/json" }, body: { ok: true } });
      expect(json.json()).toEqual({ ok: true });
    } finally {
      await harness.close();
    }
  });

  it("stamps the exit of a higher-priority plugin too", async () => {
    const gate = definePlugin({
      name: "gate",
      version: "1.0.0",
      priority: 1000,
      configSchema: { type: "object", additionalProperties: false },
      create: () => ({ access: (ctx) => ctx.respond(403, { message: "Forbidden" }) }),
    });
    const result = await runChain([{ plugin: gate }, { plugin: headerStamp, config: { value: "v1" } }], { request: { path: "/" } });
    expect(result.status).toBe(403);
    expect(result.headers["x-stamp"]).toBe("v1; source=exit");
    expect(result.phasesRun.filter((entry) => entry.plugin === "header-stamp").map((entry) => entry.phase)).toEqual(["headerFilter", "log"]);
  });
});
