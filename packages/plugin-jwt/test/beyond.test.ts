/** The Portcullis additions: claim policy, claims_to_headers, the verified-token cache, header hygiene, load checks. */
import { createHmac, randomUUID } from "node:crypto";
import type { AccessContext, Credential, PluginSetup } from "@portcullis/sdk";
import { createHarness, type ConsumerFixture } from "@portcullis/sdk/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import jwt from "../src/index.js";
import { defaultPayload, ecKeyPair, fixedClock, NOW_MS, NOW_SECONDS, rsaKeyPair, secretKey, signHmacRaw, signJose } from "./helpers.js";

const secret = "beyond-secret-0123456789abcdef01";
const consumers: ConsumerFixture[] = [
  { username: "alice", customId: "alice-custom", credentials: { jwt_secrets: [{ key: "alice-key", secret }] } },
  { username: "bob", credentials: { jwt_secrets: [{ key: "bob-key", secret }] } },
  { username: "anonymous" },
];
const mint = (claims: Record<string, unknown>) => signJose(claims, secretKey(secret), "HS256");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function withHarness<T>(config: unknown, run: (request: (headers?: Record<string, string>, path?: string) => ReturnType<Awaited<ReturnType<typeof createHarness>>["request"]>) => Promise<T>, now: () => number = fixedClock) {
  const harness = await createHarness([{ plugin: jwt, config }], { consumers, now });
  try {
    return await run((headers = {}, path = "/") => harness.request({ headers, path }));
  } finally {
    await harness.close();
  }
}

// Counts HMAC computations: the plugin verifies HS256 with node:crypto's createHmac.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, createHmac: vi.fn(actual.createHmac) };
});
const hmacCalls = vi.mocked(createHmac);

afterEach(() => {
  hmacCalls.mockClear();
});

describe("claim policy", () => {
  it("allowed_issuers refuses other issuers with a claim-error body", async () => {
    await withHarness({ key_claim_name: "sub", allowed_issuers: ["https://idp.example"] }, async (request) => {
      const good = await request(bearer(await mint({ sub: "alice-key", iss: "https://idp.example" })));
      expect(good.status).toBe(200);
      const bad = await request(bearer(await mint({ sub: "alice-key", iss: "https://evil.example" })));
      expect(bad.status).toBe(401);
      expect(bad.text()).toBe('{"iss":"issuer not allowed"}');
      expect(bad.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
    });
  });

  it("allowed_audiences accepts a string or an array containing an allowed audience, and requires aud", async () => {
    await withHarness({ allowed_audiences: ["orders"] }, async (request) => {
      expect((await request(bearer(await mint({ iss: "alice-key", aud: "orders" })))).status).toBe(200);
      expect((await request(bearer(await mint({ iss: "alice-key", aud: ["billing", "orders"] })))).status).toBe(200);
      const wrong = await request(bearer(await mint({ iss: "alice-key", aud: ["billing"] })));
      expect(wrong.json()).toEqual({ aud: "audience not allowed" });
      const missing = await request(bearer(await mint({ iss: "alice-key" })));
      expect(missing.json()).toEqual({ aud: "audience not allowed" });
    });
  });

  it("required_claims lists every missing claim", async () => {
    await withHarness({ required_claims: ["sub", "scope"] }, async (request) => {
      const result = await request(bearer(await mint({ iss: "alice-key" })));
      expect(result.status).toBe(401);
      expect(result.json()).toEqual({ sub: "required claim missing", scope: "required claim missing" });
      expect((await request(bearer(await mint({ iss: "alice-key", sub: "a", scope: "read" })))).status).toBe(200);
    });
  });

  it("leeway tolerates clock skew on exp and nbf", async () => {
    await withHarness({ claims_to_verify: ["exp", "nbf"], leeway: 10 }, async (request) => {
      expect((await request(bearer(await mint({ iss: "alice-key", exp: NOW_SECONDS - 5, nbf: NOW_SECONDS + 5 })))).status).toBe(200);
      const late = await request(bearer(await mint({ iss: "alice-key", exp: NOW_SECONDS - 10, nbf: NOW_SECONDS })));
      expect(late.json()).toEqual({ exp: "token expired" });
      const early = await request(bearer(await mint({ iss: "alice-key", exp: NOW_SECONDS + 60, nbf: NOW_SECONDS + 11 })));
      expect(early.json()).toEqual({ nbf: "token not valid yet" });
    });
  });
});

describe("claims_to_headers", () => {
  it("sets mapped headers from verified claims and removes client copies", async () => {
    await withHarness({ claims_to_headers: { sub: "X-User-Sub", scope: "x-scopes", tenant: "x-tenant", evil: "x-evil" } }, async (request) => {
      const token = await mint({ iss: "alice-key", sub: "user-1", scope: ["read", "write"], evil: "a\r\nx-injected: 1" });
      const result = await request({ ...bearer(token), "x-user-sub": "spoofed", "x-tenant": "spoofed", "x-evil": "spoofed" });
      expect(result.status).toBe(200);
      const headers = result.upstreamRequest!.headers;
      expect(headers["x-user-sub"]).toBe("user-1");
      expect(headers["x-scopes"]).toBe("read, write");
      expect(headers["x-tenant"]).toBeUndefined();
      expect(headers["x-evil"]).toBeUndefined();
      expect(headers["x-injected"]).toBeUndefined();
    });
  });

  it("removes mapped headers on the anonymous path", async () => {
    await withHarness({ anonymous: "anonymous", claims_to_headers: { sub: "x-user-sub" } }, async (request) => {
      const result = await request({ "x-user-sub": "spoofed" });
      expect(result.status).toBe(200);
      expect(result.upstreamRequest?.headers["x-user-sub"]).toBeUndefined();
    });
  });
});

describe("identity headers cannot be spoofed", () => {
  const spoofed = {
    "x-consumer-id": "spoofed",
    "x-consumer-custom-id": "spoofed",
    "x-consumer-username": "spoofed",
    "x-credential-identifier": "spoofed",
    "x-anonymous-consumer": "spoofed",
  };

  it("on the authenticated path: every header is set from the consumer or removed", async () => {
    await withHarness({}, async (request) => {
      const alice = await request({ ...spoofed, ...bearer(await mint({ iss: "alice-key" })) });
      expect(alice.upstreamRequest?.headers).toMatchObject({
        "x-consumer-custom-id": "alice-custom",
        "x-consumer-username": "alice",
        "x-credential-identifier": "alice-key",
      });
      expect(alice.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
      const bob = await request({ ...spoofed, ...bearer(await mint({ iss: "bob-key" })) });
      expect(bob.upstreamRequest?.headers["x-consumer-custom-id"]).toBeUndefined();
      expect(bob.upstreamRequest?.headers["x-consumer-id"]).toBe(bob.consumer?.id);
    });
  });

  it("on the anonymous path", async () => {
    await withHarness({ anonymous: "anonymous" }, async (request) => {
      const result = await request(spoofed);
      const headers = result.upstreamRequest!.headers;
      expect(headers["x-consumer-username"]).toBe("anonymous");
      expect(headers["x-consumer-id"]).toBe(result.consumer?.id);
      expect(headers["x-consumer-custom-id"]).toBeUndefined();
      expect(headers["x-credential-identifier"]).toBeUndefined();
      expect(headers["x-anonymous-consumer"]).toBe("true");
    });
  });

  it("on the skipped preflight path", async () => {
    const harness = await createHarness([{ plugin: jwt, config: { run_on_preflight: false } }], { consumers, now: fixedClock });
    try {
      const result = await harness.request({ method: "OPTIONS", headers: spoofed });
      expect(result.status).toBe(200);
      for (const name of Object.keys(spoofed)) expect(result.upstreamRequest?.headers[name]).toBeUndefined();
    } finally {
      await harness.close();
    }
  });
});

describe("verified-token cache", () => {
  it("skips the signature check for a token seen before, and rechecks exp on every hit", async () => {
    let now = NOW_MS;
    const verify = hmacCalls;
    await withHarness(
      { claims_to_verify: ["exp"] },
      async (request) => {
        const token = await mint({ iss: "alice-key", exp: NOW_SECONDS + 60 });
        verify.mockClear();
        expect((await request(bearer(token))).status).toBe(200);
        expect(verify).toHaveBeenCalledTimes(1);
        expect((await request(bearer(token))).status).toBe(200);
        expect(verify).toHaveBeenCalledTimes(1);
        now += 61_000;
        const expired = await request(bearer(token));
        expect(expired.status).toBe(401);
        expect(expired.json()).toEqual({ exp: "token expired" });
      },
      () => now,
    );
  });

  it("verifies every time with cache_size 0", async () => {
    const verify = hmacCalls;
    await withHarness({ cache_size: 0 }, async (request) => {
      const token = await mint({ iss: "alice-key" });
      verify.mockClear();
      await request(bearer(token));
      await request(bearer(token));
      expect(verify).toHaveBeenCalledTimes(2);
    });
  });

  it("never caches a failed verification", async () => {
    const verify = hmacCalls;
    await withHarness({}, async (request) => {
      const forged = await signJose({ iss: "alice-key" }, secretKey("wrong-secret-0123456789abcdef012"), "HS256");
      verify.mockClear();
      expect((await request(bearer(forged))).status).toBe(401);
      expect((await request(bearer(forged))).status).toBe(401);
      expect(verify).toHaveBeenCalledTimes(2);
    });
  });

  it("is per instance: a new instance (a reload) starts empty", async () => {
    const verify = hmacCalls;
    const token = await mint({ iss: "alice-key" });
    await withHarness({}, async (request) => {
      await request(bearer(token));
    });
    verify.mockClear();
    await withHarness({}, async (request) => {
      expect((await request(bearer(token))).status).toBe(200);
    });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe("load-time checks", () => {
  const load = (config: unknown, fixtures: ConsumerFixture[] = consumers) => createHarness([{ plugin: jwt, config }], { consumers: fixtures });

  it("maximum_expiration > 0 requires exp in claims_to_verify (Kong's entity check)", async () => {
    await expect(load({ maximum_expiration: 300 })).rejects.toThrow("config.claims_to_verify: expected to contain: exp");
    await expect(load({ maximum_expiration: 300, claims_to_verify: ["nbf"] })).rejects.toThrow("expected to contain: exp");
    await (await load({ maximum_expiration: 300, claims_to_verify: ["exp"] })).close();
  });

  it("maximum_expiration is between 0 and 31536000", async () => {
    await expect(load({ maximum_expiration: 31_536_001, claims_to_verify: ["exp"] })).rejects.toThrow(
      "config.maximum_expiration: value should be between 0 and 31536000",
    );
    await expect(load({ maximum_expiration: -1 })).rejects.toThrow("value should be between 0 and 31536000");
  });

  it("claims_to_verify accepts only exp and nbf", async () => {
    await expect(load({ claims_to_verify: ["iat"] })).rejects.toThrow("config.claims_to_verify[0]");
  });

  it("accepts Kong's exported nulls", async () => {
    await (await load({ anonymous: null, realm: null, claims_to_verify: null, jwks_uri: null })).close();
  });

  it("refuses an unknown field and a bad jwks_uri", async () => {
    await expect(load({ not_a_field: true })).rejects.toThrow("config.not_a_field: unknown field");
    await expect(load({ jwks_uri: "file:///etc/passwd" })).rejects.toThrow("config.jwks_uri: must be an http or https URL");
  });

  it("refuses claims_to_headers onto identity headers", async () => {
    await expect(load({ claims_to_headers: { sub: "X-Consumer-ID" } })).rejects.toThrow("must not be a consumer identity header");
    await expect(load({ claims_to_headers: { sub: "bad header" } })).rejects.toThrow("must be a valid header name");
  });

  it("refuses asymmetric credentials without a parsable key, naming the credential", async () => {
    const fixture = (row: Record<string, unknown>): ConsumerFixture[] => [{ username: "carol", credentials: { jwt_secrets: [row] } }];
    await expect(load({}, fixture({ key: "c1", algorithm: "RS256" }))).rejects.toThrow(
      `plugin 'jwt': jwt_secrets[key="c1"] of consumer 'carol': rsa_public_key: required field missing for RS256`,
    );
    await expect(load({}, fixture({ key: "c2", algorithm: "PS256", rsa_public_key: "not a key" }))).rejects.toThrow(
      `jwt_secrets[key="c2"] of consumer 'carol': rsa_public_key: invalid key`,
    );
    await expect(load({}, fixture({ key: "c3", algorithm: "EdDSA" }))).rejects.toMatchObject({ code: "PC_JWT_CREDENTIAL_INVALID" });
    await expect(load({}, fixture({ key: "c4", algorithm: "RS256", rsa_public_key: rsaKeyPair(1024).publicPem }))).rejects.toThrow(
      "at least 2048 bits",
    );
    await expect(load({}, fixture({ key: "c5", algorithm: "RS256", rsa_public_key: ecKeyPair("P-256").publicPem }))).rejects.toThrow(
      "an RS256 key must be RSA",
    );
    await expect(load({}, fixture({ key: "c6", algorithm: "ES384", rsa_public_key: ecKeyPair("P-256").publicPem }))).rejects.toThrow(
      "an ES384 key must be EC P-384",
    );
    await expect(load({}, fixture({ key: "c7", algorithm: "HS256" }))).rejects.toThrow("secret: required field missing for HS256");
    await expect(load({}, fixture({ key: "c8", algorithm: "RS256", jwks_uri: "ftp://x" }))).rejects.toThrow("jwks_uri: must be an http or https URL");
  });

  it("refuses duplicate keys and unknown credential fields", async () => {
    await expect(
      load({}, [
        { username: "a", credentials: { jwt_secrets: [{ key: "same", secret: "s1" }] } },
        { username: "b", credentials: { jwt_secrets: [{ key: "same", secret: "s2" }] } },
      ]),
    ).rejects.toThrow("duplicate key");
    await expect(load({}, [{ username: "a", credentials: { jwt_secrets: [{ key: "k", secret: "s", extra: 1 }] } }])).rejects.toThrow(
      "unknown field",
    );
  });

  it("accepts a PKCS#1 RSA public key", async () => {
    const pair = rsaKeyPair();
    const { createPublicKey } = await import("node:crypto");
    const pkcs1 = createPublicKey(pair.publicPem).export({ type: "pkcs1", format: "pem" }).toString();
    const harness = await load({}, [{ username: "p", credentials: { jwt_secrets: [{ key: "p1", algorithm: "RS256", rsa_public_key: pkcs1 }] } }]);
    try {
      const token = await signJose(defaultPayload({ iss: "p1" }), pair.privateKey, "RS256");
      expect((await harness.request({ headers: bearer(token) })).status).toBe(200);
    } finally {
      await harness.close();
    }
  });
});

describe("a credential whose consumer is gone", () => {
  it("answers Could not find consumer, without WWW-Authenticate", async () => {
    const credential: Credential = { id: randomUUID(), collection: "jwt_secrets", consumerId: randomUUID(), key: "orphan", secret, algorithm: "HS256" };
    const setup = {
      log: { debug() {}, info() {}, warn() {}, error() {} },
      consumers: [],
      findConsumer: () => undefined,
      credentials: { jwt_secrets: [credential] },
      now: fixedClock,
    } as unknown as PluginSetup;
    const config = { uri_param_names: ["jwt"], cookie_names: [], header_names: ["authorization"], key_claim_name: "iss", secret_is_base64: false, run_on_preflight: true, maximum_expiration: 0, maximum_token_length: 8192, jwks_refresh_interval: 300, jwks_min_refresh_interval: 30, jwks_timeout: 5000, leeway: 0, required_claims: [], claims_to_headers: {}, cache_size: 10 };
    const instance = await jwt.create(config, setup);
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, { iss: "orphan" }, secret);
    const responded: unknown[] = [];
    const ctx = {
      request: { method: "GET", query: {}, headers: { authorization: `Bearer ${token}` } },
      log: setup.log,
      respond: (...args: unknown[]) => {
        responded.push(args);
        return { status: args[0] };
      },
    } as unknown as AccessContext;
    await instance.access?.(ctx);
    expect(responded).toEqual([[401, { message: "Could not find consumer for 'iss=orphan'" }, {}]]);
    await instance.close?.();
  });
});
