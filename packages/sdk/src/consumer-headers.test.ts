import { describe, expect, it } from "vitest";
import { definePlugin } from "./define-plugin.js";
import { consumerHeaderNames, removeConsumerHeaders, setConsumerHeaders } from "./consumer-headers.js";
import { runPlugin } from "./testing/harness.js";

const spoofed = Object.fromEntries(consumerHeaderNames.map((name) => [name, "spoofed"]));

function headerPlugin(mode: "credential" | "anonymous" | "remove") {
  return definePlugin({
    name: "identity",
    version: "1.0.0",
    priority: 1,
    configSchema: { type: "object" },
    create: () => ({
      access(ctx) {
        if (mode === "remove") return removeConsumerHeaders(ctx.upstream);
        setConsumerHeaders(ctx.upstream, { id: "c-1", username: "alice" }, mode === "credential" ? "alice-key" : undefined);
      },
    }),
  });
}

describe("consumer headers", () => {
  it("sets the consumer and credential and removes every client-supplied copy", async () => {
    const result = await runPlugin(headerPlugin("credential"), { request: { headers: spoofed } });
    expect(result.upstreamRequest?.headers).toMatchObject({ "x-consumer-id": "c-1", "x-consumer-username": "alice", "x-credential-identifier": "alice-key" });
    expect(result.upstreamRequest?.headers["x-consumer-custom-id"]).toBeUndefined();
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("marks the anonymous consumer and drops the credential identifier", async () => {
    const result = await runPlugin(headerPlugin("anonymous"), { request: { headers: spoofed } });
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBe("true");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBeUndefined();
  });

  it("removes them all", async () => {
    const result = await runPlugin(headerPlugin("remove"), { request: { headers: spoofed } });
    for (const name of consumerHeaderNames) expect(result.upstreamRequest?.headers[name]).toBeUndefined();
  });
});
