/** JWKS against a real node:http server on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHarness, type Harness } from "@portcullis/sdk/testing";
import { exportJWK } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import jwt from "../src/index.js";
import { defaultPayload, type KeyPair, NOW_MS, rsaKeyPair, signJose } from "./helpers.js";

interface JwksServer {
  readonly url: string;
  hits: number;
  body: string;
  status: number;
  close(): Promise<void>;
}

const opened: { close(): Promise<void> }[] = [];

async function startServer(initialBody: string): Promise<JwksServer> {
  const state = { hits: 0, body: initialBody, status: 200 };
  const server: Server = createServer((_request, response) => {
    state.hits++;
    response.writeHead(state.status, { "content-type": "application/json" });
    response.end(state.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const handle: JwksServer = Object.assign(state, {
    url: `http://127.0.0.1:${port}/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  opened.push(handle);
  return handle;
}

async function track(harness: Harness): Promise<Harness> {
  opened.push(harness);
  return harness;
}

afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close();
});

let first: KeyPair;
let second: KeyPair;
async function jwks(...members: [KeyPair, string][]): Promise<string> {
  const keys = [];
  for (const [pair, kid] of members) {
    const { createPublicKey } = await import("node:crypto");
    keys.push({ ...(await exportJWK(createPublicKey(pair.publicPem))), kid, use: "sig", alg: "RS256" });
  }
  return JSON.stringify({ keys });
}

beforeAll(() => {
  first = rsaKeyPair();
  second = rsaKeyPair();
});

const sign = (pair: KeyPair, kid: string, extra: Record<string, unknown> = {}) =>
  signJose(defaultPayload({ iss: "idp", sub: "alice" }), pair.privateKey, "RS256", { kid, ...extra });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function gateway(credential: Record<string, unknown>, config: Record<string, unknown> = {}, now: () => number = () => NOW_MS) {
  return track(
    await createHarness([{ plugin: jwt, config }], {
      consumers: [{ username: "alice", credentials: { jwt_secrets: [{ key: "idp", algorithm: "RS256", ...credential }] } }],
      now,
    }),
  );
}

async function until(harness: Harness, token: string, status: number) {
  await vi.waitFor(
    async () => {
      expect((await harness.request({ headers: bearer(token) })).status).toBe(status);
    },
    { timeout: 5000, interval: 20 },
  );
}

describe("jwks_uri", () => {
  it("verifies with a key fetched in the background, selected by kid", async () => {
    const server = await startServer(await jwks([first, "k1"]));
    const harness = await gateway({ jwks_uri: server.url });
    await until(harness, await sign(first, "k1"), 200);
    const result = await harness.request({ headers: bearer(await sign(first, "k1")) });
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("alice");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe("idp");
  });

  it("uses the config-level jwks_uri for credentials without a key of their own", async () => {
    const server = await startServer(await jwks([first, "k1"]));
    const harness = await gateway({}, { jwks_uri: server.url });
    await until(harness, await sign(first, "k1"), 200);
  });

  it("answers Invalid signature for an unknown kid, then refreshes (rate-limited) and accepts it", async () => {
    let now = NOW_MS;
    const server = await startServer(await jwks([first, "k1"]));
    const harness = await gateway({ jwks_uri: server.url }, { jwks_min_refresh_interval: 30 }, () => now);
    await until(harness, await sign(first, "k1"), 200);
    const hitsAfterStart = server.hits;
    server.body = await jwks([first, "k1"], [second, "k2"]);
    const rotated = await sign(second, "k2");

    const refused = await harness.request({ headers: bearer(rotated) });
    expect(refused.status).toBe(401);
    expect(refused.json()).toEqual({ message: "Invalid signature" });
    // Within the minimum interval, further unknown kids do not fetch again.
    for (let attempt = 0; attempt < 5; attempt++) await harness.request({ headers: bearer(rotated) });
    expect(server.hits).toBe(hitsAfterStart);

    now += 31_000;
    await until(harness, rotated, 200);
    expect(server.hits).toBe(hitsAfterStart + 1);
  });

  it("keeps the last good keys when the endpoint fails or returns junk, and refreshes on the interval", async () => {
    const server = await startServer(await jwks([first, "k1"]));
    const harness = await gateway({ jwks_uri: server.url }, { jwks_refresh_interval: 0.05 });
    const token = await sign(first, "k1");
    await until(harness, token, 200);
    for (const [status, body] of [
      [500, "oops"],
      [200, "not json"],
      [200, '{"keys":"nope"}'],
      [200, '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'],
    ] as const) {
      server.status = status;
      server.body = body;
      const hits = server.hits;
      await vi.waitFor(() => expect(server.hits).toBeGreaterThan(hits + 1), { timeout: 5000, interval: 20 });
      expect((await harness.request({ headers: bearer(token) })).status).toBe(200);
    }
  });

  it("drops a key removed from the set, even for a token verified (and cached) before", async () => {
    const server = await startServer(await jwks([first, "k1"], [second, "k2"]));
    const harness = await gateway({ jwks_uri: server.url }, { jwks_refresh_interval: 0.05 });
    const token = await sign(first, "k1");
    await until(harness, token, 200);
    server.body = await jwks([second, "k2"]);
    await until(harness, token, 401);
    expect((await harness.request({ headers: bearer(await sign(second, "k2")) })).status).toBe(200);
  });

  it("never follows jku or x5u", async () => {
    const server = await startServer(await jwks([first, "k1"]));
    const attacker = await startServer(await jwks([second, "evil"]));
    const harness = await gateway({ jwks_uri: server.url });
    await until(harness, await sign(first, "k1"), 200);
    const result = await harness.request({ headers: bearer(await sign(second, "evil", { jku: attacker.url, x5u: attacker.url })) });
    expect(result.status).toBe(401);
    expect(attacker.hits).toBe(0);
  });

  it("answers 401 (never waits) while the set is not loaded yet", async () => {
    const harness = await gateway({ jwks_uri: "http://127.0.0.1:9/unreachable.json" }, { jwks_timeout: 200 });
    const result = await harness.request({ headers: bearer(await sign(first, "k1")) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Invalid signature" });
  });

  it("stops refreshing once closed", async () => {
    const server = await startServer(await jwks([first, "k1"]));
    const harness = await createHarness([{ plugin: jwt, config: { jwks_refresh_interval: 0.02 } }], {
      consumers: [{ username: "alice", credentials: { jwt_secrets: [{ key: "idp", algorithm: "RS256", jwks_uri: server.url }] } }],
    });
    await vi.waitFor(() => expect(server.hits).toBeGreaterThan(1), { timeout: 5000, interval: 10 });
    await harness.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const hits = server.hits;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.hits).toBe(hits);
  });
});
