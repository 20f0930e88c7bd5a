/**
 * Kong's "Multiple auth" cases (jwt + key-auth on one route), AND and OR. key-auth is a minimal stand-in written
 * here with Kong's priority (1250) and behaviour: `apikey` header, `WWW-Authenticate: Key`, identifier = credential id.
 */
import { randomUUID } from "node:crypto";
import { type Consumer, definePlugin } from "@portcullis/sdk";
import { type ConsumerFixture, runChain } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import jwt from "../src/index.js";
import { defaultPayload, fixedClock, secretKey, signJose } from "./helpers.js";

const keyAuth = definePlugin({
  name: "key-auth",
  version: "0.0.0",
  priority: 1250,
  configSchema: { type: "object", properties: { anonymous: { type: "string" } }, additionalProperties: false },
  credentials: {
    keyauth_credentials: {
      schema: { type: "object", properties: { key: { type: "string" } }, required: ["key"], additionalProperties: false },
    },
  },
  create(config, setup) {
    const byKey = new Map((setup.credentials.keyauth_credentials ?? []).map((credential) => [credential.key as string, credential]));
    const anonymous = config.anonymous === undefined ? undefined : setup.findConsumer(config.anonymous);
    return {
      access(ctx) {
        if (anonymous !== undefined && ctx.credential !== undefined) return;
        const credential = byKey.get(ctx.request.header("apikey") ?? "");
        const consumer: Consumer | undefined = credential === undefined ? undefined : setup.findConsumer(credential.consumerId);
        if (credential !== undefined && consumer !== undefined) {
          ctx.authenticate(consumer, credential);
          ctx.upstream.setHeader("x-consumer-id", consumer.id);
          ctx.upstream.setHeader("x-credential-identifier", credential.id);
          ctx.upstream.removeHeader("x-anonymous-consumer");
          return;
        }
        if (anonymous !== undefined) {
          ctx.authenticate(anonymous);
          ctx.upstream.setHeader("x-consumer-id", anonymous.id);
          ctx.upstream.removeHeader("x-credential-identifier");
          ctx.upstream.setHeader("x-anonymous-consumer", "true");
          return;
        }
        return ctx.respond(401, { message: "No API key found in request" }, { "www-authenticate": 'Key realm="kong"' });
      },
    };
  },
});

const anonymousId = randomUUID();
const jwtUserId = randomUUID();
const keyUserId = randomUUID();
const keyCredentialId = randomUUID();
const consumers: ConsumerFixture[] = [
  { id: jwtUserId, username: "jwt-user", credentials: { jwt_secrets: [{ key: "jwt-user-key", secret: "jwt-user-secret-0123456789abcdef" }] } },
  { id: keyUserId, username: "key-user", credentials: { keyauth_credentials: [{ id: keyCredentialId, key: "Mouse" }] } },
  { id: anonymousId, username: "anonymous" },
];

async function send(mode: "and" | "or", withJwt: boolean, withKey: boolean) {
  const headers: Record<string, string> = {};
  if (withJwt) {
    const token = await signJose(defaultPayload({ iss: "jwt-user-key" }), secretKey("jwt-user-secret-0123456789abcdef"), "HS256");
    headers.authorization = `Bearer ${token}`;
  }
  if (withKey) headers.apikey = "Mouse";
  const config = mode === "or" ? { anonymous: anonymousId } : {};
  return runChain(
    [
      { plugin: jwt, config },
      { plugin: keyAuth, config },
    ],
    { consumers, now: fixedClock, request: { headers } },
  );
}

describe("multiple auth without anonymous, logical AND", () => {
  it("passes with all credentials provided", async () => {
    const result = await send("and", true, true);
    expect(result.status).toBe(200);
    expect([jwtUserId, keyUserId]).toContain(result.upstreamRequest?.headers["x-consumer-id"]);
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe(keyCredentialId);
  });

  it("fails 401, with only the first credential provided (apikey)", async () => {
    const result = await send("and", false, true);
    expect(result.status).toBe(401);
    expect(result.headers["www-authenticate"]).toBe("Bearer");
  });

  it("fails 401, with only the second credential provided (jwt)", async () => {
    const result = await send("and", true, false);
    expect(result.status).toBe(401);
    expect(result.headers["www-authenticate"]).toBe('Key realm="kong"');
  });

  it("fails 401, with no credential provided", async () => {
    const result = await send("and", false, false);
    expect(result.status).toBe(401);
    expect(result.headers["www-authenticate"]).toBe("Bearer");
  });
});

describe("multiple auth with anonymous, logical OR", () => {
  it("passes with all credentials provided; jwt wins and key-auth is skipped", async () => {
    const result = await send("or", true, true);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-id"]).toBe(jwtUserId);
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe("jwt-user-key");
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("passes with only the first credential provided (apikey)", async () => {
    const result = await send("or", false, true);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-id"]).toBe(keyUserId);
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("passes with only the second credential provided (jwt)", async () => {
    const result = await send("or", true, false);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-id"]).toBe(jwtUserId);
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe("jwt-user-key");
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("passes with no credential provided, as the anonymous consumer", async () => {
    const result = await send("or", false, false);
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBe("true");
    expect(result.upstreamRequest?.headers["x-consumer-id"]).toBe(anonymousId);
    expect(result.consumer?.id).toBe(anonymousId);
  });
});
