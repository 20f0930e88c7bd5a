import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@portcullis/sdk";
import { exportJWK } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { JwksSource } from "./jwks-source.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(handler: (respond: (status: number, body: string) => void) => void): Promise<string> {
  const server: Server = createServer((_request, response) =>
    handler((status, body) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} };
  return { warnings, logger };
}

function source(uri: string, logger: Logger, overrides: Partial<ConstructorParameters<typeof JwksSource>[0]> = {}) {
  const created = new JwksSource({
    uri,
    algorithms: new Set(["ES256"]),
    timeoutMs: 1000,
    refreshIntervalMs: 60_000,
    minRefreshIntervalMs: 0,
    now: Date.now,
    log: logger,
    ...overrides,
  });
  cleanups.push(() => created.close());
  return created;
}

const ecJwk = async (kid?: string) => ({ ...(await exportJWK(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey)), ...(kid ? { kid } : {}) });

describe("JwksSource", () => {
  it("loads keys by kid, and a lone key for tokens without kid", async () => {
    const body = JSON.stringify({ keys: [await ecJwk("a")] });
    const uri = await serve((respond) => respond(200, body));
    const jwks = source(uri, recordingLogger().logger);
    await jwks.refresh();
    expect(jwks.loaded).toBe(true);
    expect(jwks.find("a", "ES256")).toBeDefined();
    expect(jwks.find(undefined, "ES256")).toBeDefined();
    expect(jwks.find("a", "ES384")).toBeUndefined();
    expect(jwks.find("b", "ES256")).toBeUndefined();
  });

  it("needs a kid when several keys fit", async () => {
    const body = JSON.stringify({ keys: [await ecJwk("a"), await ecJwk("b")] });
    const jwks = source(await serve((respond) => respond(200, body)), recordingLogger().logger);
    await jwks.refresh();
    expect(jwks.find(undefined, "ES256")).toBeUndefined();
    expect(jwks.find("b", "ES256")).toBeDefined();
  });

  it("keeps the last good keys on errors and junk, with a warning, and bumps the generation only on change", async () => {
    let reply: [number, string] = [200, JSON.stringify({ keys: [await ecJwk("a")] })];
    const { warnings, logger } = recordingLogger();
    const jwks = source(await serve((respond) => respond(...reply)), logger);
    await jwks.refresh();
    expect(jwks.generation).toBe(1);
    await jwks.refresh();
    expect(jwks.generation).toBe(1);
    for (const junk of [[503, "down"], [200, "{"], [200, "[]"], [200, '{"keys":[1,"x",{"kty":"EC"}]}']] as [number, string][]) {
      reply = junk;
      await jwks.refresh();
      expect(jwks.find("a", "ES256")).toBeDefined();
    }
    expect(warnings).toHaveLength(4);
    expect(jwks.generation).toBe(1);
  });

  it("gives up on a slow endpoint after the timeout", async () => {
    const { warnings, logger } = recordingLogger();
    const jwks = source(await serve(() => undefined), logger, { timeoutMs: 100 });
    const started = Date.now();
    await jwks.refresh();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(jwks.loaded).toBe(false);
    expect(warnings).toEqual(["jwks fetch failed; keeping the last good keys"]);
  });

  it("refuses responses larger than the limit", async () => {
    const { warnings, logger } = recordingLogger();
    const jwks = source(await serve((respond) => respond(200, " ".repeat(2048))), logger, { maxBytes: 1024 });
    await jwks.refresh();
    expect(jwks.loaded).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it("rate-limits refreshes triggered by unknown kids", async () => {
    let hits = 0;
    let now = 0;
    const body = JSON.stringify({ keys: [await ecJwk("a")] });
    const jwks = source(
      await serve((respond) => {
        hits++;
        respond(200, body);
      }),
      recordingLogger().logger,
      { minRefreshIntervalMs: 30_000, now: () => now },
    );
    await jwks.refresh();
    expect(jwks.find("unknown", "ES256")).toBeUndefined();
    expect(hits).toBe(1);
    now = 30_000;
    jwks.find("unknown", "ES256");
    await jwks.refresh();
    expect(hits).toBe(2);
  });

  it("does nothing after close", async () => {
    let hits = 0;
    const jwks = source(
      await serve((respond) => {
        hits++;
        respond(200, "{}");
      }),
      recordingLogger().logger,
    );
    jwks.close();
    await jwks.refresh();
    expect(hits).toBe(0);
  });
});
