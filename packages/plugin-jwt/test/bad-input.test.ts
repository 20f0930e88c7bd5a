/** Malformed, hostile or oversized input: always a 401 with Kong's message, never a throw or a 500. */
import { createHarness, type Harness } from "@portcullis/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jwt from "../src/index.js";
import { defaultPayload, ecKeyPair, fixedClock, type KeyPair, rsaKeyPair, secretKey, signHmacRaw, signJose } from "./helpers.js";

const secret = "bad-input-secret-0123456789abcdef";
const b64 = (value: string) => Buffer.from(value).toString("base64url");
const goodHeader = b64(JSON.stringify({ typ: "JWT", alg: "HS256" }));
const goodPayload = b64(JSON.stringify(defaultPayload({ iss: "hs" })));
let es: KeyPair;
let ps: KeyPair;
let harness: Harness;
let small: Harness;

beforeAll(async () => {
  es = ecKeyPair("P-256");
  ps = rsaKeyPair();
  const consumers = [
    {
      username: "bad-input",
      credentials: {
        jwt_secrets: [
          { key: "hs", secret },
          { key: "es", algorithm: "ES256", rsa_public_key: es.publicPem },
          { key: "es-no-key", algorithm: "ES256" },
          { key: "ps", algorithm: "PS256", rsa_public_key: ps.publicPem },
          { key: "rs-confusion", algorithm: "RS256", rsa_public_key: ps.publicPem },
        ],
      },
    },
  ];
  harness = await createHarness([{ plugin: jwt, config: {} }], { consumers, now: fixedClock });
  small = await createHarness([{ plugin: jwt, config: { maximum_token_length: 64 } }], { consumers, now: fixedClock });
});
afterAll(async () => {
  await harness.close();
  await small.close();
});

async function refusal(token: string, target: Harness = harness) {
  const result = await target.request({ headers: { authorization: `Bearer ${token}` } });
  expect(result.errors).toEqual([]);
  expect(result.status).toBe(401);
  return result;
}

describe("malformed tokens", () => {
  const invalidJson: [string, string][] = [
    ["one segment", "abc"],
    ["two segments", `${goodHeader}.${goodPayload}`],
    ["bad base64 in the header", `!!!.${goodPayload}.sig`],
    ["impossible base64 length", `${goodHeader}a.${goodPayload}.sig`.replace(goodHeader, "a")],
    ["a header that is not JSON", `${b64("not json")}.${goodPayload}.sig`],
    ["a header that is a JSON array", `${b64("[1,2]")}.${goodPayload}.sig`],
    ["a payload that is JSON null", `${goodHeader}.${b64("null")}.sig`],
    ["a payload that is not UTF-8", `${goodHeader}.${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString("base64url")}.sig`],
    ["padding characters", `${goodHeader}=.${goodPayload}.sig`],
    ["standard-alphabet base64", `${goodHeader}.${goodPayload}+/.sig`],
    ["empty segments", ".."],
  ];
  for (const [name, token] of invalidJson) {
    it(`answers "Bad token; invalid JSON" for ${name}`, async () => {
      const result = await refusal(token);
      expect(result.text()).toBe('{"message":"Bad token; invalid JSON"}');
      expect(result.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
    });
  }

  const invalidAlg: [string, unknown][] = [
    ["a missing alg", undefined],
    ["alg none", "none"],
    ["alg NONE (case-sensitive)", "NONE"],
    ["alg hs256 (case-sensitive)", "hs256"],
    ["a numeric alg", 256],
    ["an unknown alg", "foo"],
    ["Ed448 spelled as an alg", "Ed448"],
  ];
  for (const [name, alg] of invalidAlg) {
    it(`answers "Bad token; invalid alg" for ${name}`, async () => {
      const header = b64(JSON.stringify(alg === undefined ? { typ: "JWT" } : { typ: "JWT", alg }));
      const result = await refusal(`${header}.${goodPayload}.`);
      expect(result.json()).toEqual({ message: "Bad token; invalid alg" });
    });
  }

  it('answers "Bad token; invalid signature" for a signature that is not base64url', async () => {
    expect((await refusal(`${goodHeader}.${goodPayload}.abc$`)).json()).toEqual({ message: "Bad token; invalid signature" });
  });

  it('answers "Bad token; invalid signature" for a fourth segment', async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, defaultPayload({ iss: "hs" }), secret);
    expect((await refusal(`${token}.extra`)).json()).toEqual({ message: "Bad token; invalid signature" });
  });

  it("accepts a lowercase or missing typ (parser spec)", async () => {
    for (const header of [{ typ: "jwt", alg: "HS256" }, { alg: "HS256" }]) {
      const token = signHmacRaw(header, defaultPayload({ iss: "hs" }), secret);
      expect((await harness.request({ headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
  });

  it("answers Invalid signature for an empty signature", async () => {
    expect((await refusal(`${goodHeader}.${goodPayload}.`)).json()).toEqual({ message: "Invalid signature" });
  });
});

describe("signatures of the wrong shape (Kong: assertion → 500)", () => {
  it("an ES256 signature of the wrong length", async () => {
    const token = await signJose(defaultPayload({ iss: "es" }), es.privateKey, "ES256");
    const [header, payload] = token.split(".");
    for (const length of [0, 10, 63, 65, 72, 96]) {
      const result = await refusal(`${header}.${payload}.${Buffer.alloc(length, 1).toString("base64url")}`);
      expect(result.json()).toEqual({ message: "Invalid signature" });
    }
  });

  it("a PS256 signature of the wrong length", async () => {
    const token = await signJose(defaultPayload({ iss: "ps" }), ps.privateKey, "PS256");
    const [header, payload] = token.split(".");
    for (const length of [1, 255, 257, 512]) {
      const result = await refusal(`${header}.${payload}.${Buffer.alloc(length, 7).toString("base64url")}`);
      expect(result.json()).toEqual({ message: "Invalid signature" });
    }
  });

  it("a token with an unknown crit extension", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256", crit: ["exp-unknown"], "exp-unknown": 1 }, defaultPayload({ iss: "hs" }), secret);
    expect((await refusal(token)).json()).toEqual({ message: "Invalid signature" });
  });
});

describe("key confusion and unusable keys (RFC 8725)", () => {
  it("refuses an HS256 token for an RS256 credential, even one HMAC-signed with the public key PEM", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, defaultPayload({ iss: "rs-confusion" }), ps.publicPem);
    expect((await refusal(token)).json()).toEqual({ message: "Invalid algorithm" });
  });

  it("answers Invalid key/secret for an ES credential without a key (as Kong)", async () => {
    const token = await signJose(defaultPayload({ iss: "es-no-key" }), es.privateKey, "ES256");
    expect((await refusal(token)).json()).toEqual({ message: "Invalid key/secret" });
  });

  it("answers Invalid key/secret when secret_is_base64 is set and the secret is not base64", async () => {
    const target = await createHarness([{ plugin: jwt, config: { secret_is_base64: true } }], {
      consumers: [{ username: "x", credentials: { jwt_secrets: [{ key: "not-b64", secret: "not*base64!" }] } }],
      now: fixedClock,
    });
    try {
      const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, defaultPayload({ iss: "not-b64" }), "not*base64!");
      expect((await refusal(token, target)).json()).toEqual({ message: "Invalid key/secret" });
    } finally {
      await target.close();
    }
  });
});

describe("key claim values", () => {
  it("a numeric iss is invalid", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, { iss: 123 }, secret);
    expect((await refusal(token)).json()).toEqual({ message: "Invalid 'iss' in claims" });
  });

  it("an object iss is invalid", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, { iss: { key: "hs" } }, secret);
    expect((await refusal(token)).json()).toEqual({ message: "Invalid 'iss' in claims" });
  });

  it("a false or null claim falls back to the header, as Lua's `or`", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256", iss: "hs" }, { iss: false }, secret);
    expect((await harness.request({ headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    const nullClaim = signHmacRaw({ typ: "JWT", alg: "HS256" }, { iss: null }, secret);
    expect((await refusal(nullClaim)).json()).toEqual({ message: "No mandatory 'iss' in claims" });
  });

  it("never reads inherited properties as claims", async () => {
    const target = await createHarness([{ plugin: jwt, config: { key_claim_name: "constructor" } }], { consumers: [], now: fixedClock });
    try {
      const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, { sub: "x" }, secret);
      expect((await refusal(token, target)).json()).toEqual({ message: "No mandatory 'constructor' in claims" });
      const proto = signHmacRaw({ typ: "JWT", alg: "HS256" }, '{"__proto__":{"constructor":"hs"}}', secret);
      expect((await refusal(proto, target)).json()).toEqual({ message: "No mandatory 'constructor' in claims" });
    } finally {
      await target.close();
    }
  });
});

describe("token lookup edge cases", () => {
  it('a bare "?jwt" flag is "Unrecognizable token"', async () => {
    const result = await harness.request({ path: "/?jwt" });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Unrecognizable token" });
  });

  it("a flag plus a token is two tokens", async () => {
    const result = await harness.request({ path: "/?jwt&jwt=abc" });
    expect(result.json()).toEqual({ message: "Multiple tokens provided" });
  });

  it("the same token in the query and the header counts once", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, defaultPayload({ iss: "hs" }), secret);
    const result = await harness.request({ path: `/?jwt=${token}&jwt=${token}`, headers: { authorization: `Bearer ${token}` } });
    expect(result.status).toBe(200);
  });

  it("an empty query value or a bare Bearer is no token", async () => {
    for (const request of [{ path: "/?jwt=" }, { headers: { authorization: "Bearer" } }, { headers: { authorization: "Basic abc" } }]) {
      const result = await harness.request(request);
      expect(result.status).toBe(401);
      expect(result.json()).toEqual({ message: "Unauthorized" });
    }
  });

  it("garbage after Bearer is a bad token, not a crash", async () => {
    for (const garbage of ["....", "é.é.é", "a.b.c", "%00.%00.%00", "x".repeat(200)]) {
      const result = await refusal(garbage);
      expect(result.json()).toHaveProperty("message");
    }
  });
});

describe("oversized tokens", () => {
  it("refuses a token above maximum_token_length before decoding it", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "HS256" }, defaultPayload({ iss: "hs" }), secret);
    const result = await refusal(token, small);
    expect(result.text()).toBe('{"message":"Bad token; too large"}');
    expect(result.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("refuses a 1 MB token with the default limit", async () => {
    const huge = `${goodHeader}.${"A".repeat(1024 * 1024)}.sig`;
    expect((await refusal(huge)).json()).toEqual({ message: "Bad token; too large" });
  });

  it("accepts a token at the default limit's edge", async () => {
    const token = await signJose(defaultPayload({ iss: "hs", pad: "p".repeat(5900) }), secretKey(secret), "HS256");
    expect(token.length).toBeGreaterThan(7900);
    expect(token.length).toBeLessThanOrEqual(8192);
    expect((await harness.request({ headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
