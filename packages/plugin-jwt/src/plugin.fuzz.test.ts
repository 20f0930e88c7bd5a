/**
 * Property tests of the jwt plugin through the SDK harness: whatever a client puts in Authorization, cookies or the
 * query, the answer is a 401 or a pass, never a 500, a throw or a captured phase error.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createHarness, type Harness } from "@portcullis/sdk/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jwt from "./index.js";

const nowSeconds = 1_800_000_000;
const secret = "fuzz-secret-0123456789abcdef0123456789";
const ecPublicPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
let harness: Harness;
let anonymousHarness: Harness;

beforeAll(async () => {
  const consumers = [
    { username: "fuzz", credentials: { jwt_secrets: [{ key: "fuzz-hs", secret }, { key: "fuzz-es", algorithm: "ES256", rsa_public_key: ecPublicPem }] } },
    { id: "8f1c2d3e-4a5b-4c6d-8e7f-901234567890", username: "guest" },
  ];
  const config = { cookie_names: ["jwt", "session"], uri_param_names: ["jwt", "token"], claims_to_verify: ["exp", "nbf"] };
  harness = await createHarness([{ plugin: jwt, config }], { consumers, now: () => nowSeconds * 1000 });
  anonymousHarness = await createHarness([{ plugin: jwt, config: { ...config, anonymous: "guest" } }], { consumers, now: () => nowSeconds * 1000 });
});

afterAll(async () => {
  await harness?.close();
  await anonymousHarness?.close();
});

const base64url = (value: string) => Buffer.from(value, "latin1").toString("base64url");

const jsonish = fc.oneof(
  fc.json({ maxDepth: 2 }),
  fc.constantFrom("{}", "[]", "null", "1e999", '{"alg":"none"}', '{"alg":"HS256","crit":["b64"]}', '{"alg":{"x":1}}', "{\"__proto__\":{\"alg\":\"none\"}}"),
  fc
    .record(
      {
        alg: fc.constantFrom("HS256", "hs256", "none", "RS256", "ES256", "EdDSA", "HS512", "", 1, null),
        typ: fc.constantFrom("JWT", "jwt", 7),
        kid: fc.constantFrom("fuzz-hs", "fuzz-es", "", "../../etc/passwd"),
        iss: fc.constantFrom("fuzz-hs", "fuzz-es", "unknown", 5, null),
        exp: fc.oneof(fc.constantFrom(nowSeconds + 60, nowSeconds - 60, "tomorrow", Number.POSITIVE_INFINITY, -1, null), fc.double()),
        nbf: fc.oneof(fc.constantFrom(nowSeconds, nowSeconds + 600, "x"), fc.integer()),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
);

/** Tokens that look right enough to reach decoding and verification: three base64url parts, some validly signed. */
const tokenLike = fc.oneof(
  fc.tuple(jsonish, jsonish, fc.string({ maxLength: 20 })).map(([header, payload, signature]) => `${base64url(header)}.${base64url(payload)}.${base64url(signature)}`),
  fc.tuple(jsonish, jsonish).map(([header, payload]) => {
    const input = `${base64url(header)}.${base64url(payload)}`;
    return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
  }),
  fc.array(fc.oneof(fc.base64String({ maxLength: 24 }), fc.constantFrom("", ".", "=", "%", "\u00ff", "eyJ")), { maxLength: 6 }).map((parts) => parts.join(".")),
  fc.string({ maxLength: 60 }),
  fc.string({ maxLength: 2000, unit: "binary-ascii" }),
);

const authorization = fc.oneof(
  tokenLike.map((token) => `Bearer ${token}`),
  tokenLike.map((token) => `bearer   ${token}`),
  tokenLike.map((token) => `Basic ${token}`),
  fc.tuple(tokenLike, tokenLike).map(([first, second]) => `Bearer ${first}, Bearer ${second}`),
  fc.string({ maxLength: 80 }),
);

const cookie = fc.oneof(
  tokenLike.map((token) => `jwt=${token}`),
  fc.tuple(tokenLike, tokenLike).map(([first, second]) => `session=${first}; JWT=${second}; other=1`),
  fc.string({ maxLength: 80 }),
  fc.constantFrom(";;;", "=", "jwt", "jwt=", "jwt=;jwt=x", " ; jwt = x ; "),
);

const query = fc.oneof(
  tokenLike.map((token) => `jwt=${encodeURIComponent(token)}`),
  fc.tuple(tokenLike, tokenLike).map(([first, second]) => `jwt=${encodeURIComponent(first)}&token=${encodeURIComponent(second)}`),
  fc.constantFrom("jwt", "jwt&jwt", "jwt=%", "jwt=%zz", "jwt[]=a", "token=&jwt=", "__proto__=x", "jwt=a&jwt=a"),
  fc.string({ maxLength: 40 }).map((text) => text.replace(/[#\s]/g, "")),
);

const request = fc.record(
  {
    authorization: fc.oneof(authorization, fc.array(authorization, { minLength: 2, maxLength: 3 })),
    cookie: fc.oneof(cookie, fc.array(cookie, { minLength: 2, maxLength: 3 })),
    query,
    method: fc.constantFrom("GET", "POST", "OPTIONS"),
  },
  { requiredKeys: [] },
);

function headersOf(input: { authorization?: string | string[]; cookie?: string | string[] }): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (input.authorization !== undefined) headers.authorization = input.authorization;
  if (input.cookie !== undefined) headers.cookie = input.cookie;
  return headers;
}

describe("jwt plugin under arbitrary client input", () => {
  it("answers 401 or passes, never an error", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const path = input.query === undefined ? "/" : `/?${input.query}`;
        const result = await harness.request({ method: input.method ?? "GET", path, headers: headersOf(input) });
        expect(result.errors).toEqual([]);
        expect([200, 401]).toContain(result.status);
        if (result.status === 200) expect(result.consumer?.username).toBe("fuzz");
      }),
      { numRuns: 400 },
    );
  });

  it("with an anonymous consumer, always passes as someone", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const path = input.query === undefined ? "/" : `/?${input.query}`;
        const result = await anonymousHarness.request({ path, headers: headersOf(input) });
        expect(result.errors).toEqual([]);
        expect(result.status).toBe(200);
        expect(["fuzz", "guest"]).toContain(result.consumer?.username);
      }),
      { numRuns: 200 },
    );
  });
});
