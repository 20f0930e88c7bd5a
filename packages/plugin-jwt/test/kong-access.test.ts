/**
 * A port of Kong's `spec/03-plugins/16-jwt/03-access_spec.lua` (routes jwt1..jwt13) onto the harness, plus the
 * reference vectors of kong-plugins.md §2.6. Each Kong route is one harness with that route's config.
 */
import { randomUUID } from "node:crypto";
import { createHarness, type Harness } from "@portcullis/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import jwt from "../src/index.js";
import {
  defaultPayload,
  ecKeyPair,
  ed448KeyPair,
  ed25519KeyPair,
  fixedClock,
  type KeyPair,
  NOW_SECONDS,
  rsaKeyPair,
  secretKey,
  signEd448,
  signHmacRaw,
  signJose,
} from "./helpers.js";

const secrets = {
  main: "e71829c351aa4242c2719cbfbe671c09",
  six: "b2d1f2a7c0e94c5a8f3e6d7c1b2a3f40",
  base64Original: "my-secret",
  hs384: "hs384-secret-with-enough-entropy-4a9c",
  hs512: "hs512-secret-with-enough-entropy-77c1",
};
const keys = {
  main: "a36c3049b36249a3c9f8891cb127243c",
  six: "key-six",
  base64: "b64key",
  rsa1: "rsa-key-1",
  rsa2: "rsa-key-2",
  rs512: "rsa-key-5",
  rs384: "rsa-key-9",
  es384: "es-key-10",
  es256: "es-key-256",
  es512: "es-key-512",
  ps256: "ps-key-256",
  ps384: "ps-key-384",
  ps512: "ps-key-512",
  ed25519: "ed25519-key",
  ed448: "ed448-key",
  hs384: "hs-key-7",
  hs512: "hs-key-8",
};

let rsa: KeyPair;
let rsa512: KeyPair;
let rsa384: KeyPair;
let ps: KeyPair;
let es256: KeyPair;
let es384: KeyPair;
let es512: KeyPair;
let ed25519: KeyPair;
let ed448: KeyPair;
const anonymousId = randomUUID();
const routes: Record<string, Harness> = {};

beforeAll(async () => {
  rsa = rsaKeyPair();
  rsa512 = rsaKeyPair();
  rsa384 = rsaKeyPair();
  ps = rsaKeyPair();
  es256 = ecKeyPair("P-256");
  es384 = ecKeyPair("P-384");
  es512 = ecKeyPair("P-521");
  ed25519 = ed25519KeyPair();
  ed448 = ed448KeyPair();
  const consumers = [
    { username: "jwt_tests_consumer", credentials: { jwt_secrets: [{ key: keys.main, secret: secrets.main }] } },
    { username: "jwt_tests_consumer_6", credentials: { jwt_secrets: [{ key: keys.six, secret: secrets.six }] } },
    {
      username: "jwt_tests_base64_consumer",
      // Kong's spec PATCHes the secret to base64(secret); the token stays signed with the original.
      credentials: { jwt_secrets: [{ key: keys.base64, secret: Buffer.from(secrets.base64Original).toString("base64") }] },
    },
    { username: "jwt_tests_rsa_consumer_1", credentials: { jwt_secrets: [{ key: keys.rsa1, algorithm: "RS256", rsa_public_key: rsa.publicPem }] } },
    { username: "jwt_tests_rsa_consumer_2", credentials: { jwt_secrets: [{ key: keys.rsa2, algorithm: "RS256", rsa_public_key: rsa.publicPem }] } },
    { username: "jwt_tests_rsa_consumer_5", credentials: { jwt_secrets: [{ key: keys.rs512, algorithm: "RS512", rsa_public_key: rsa512.publicPem }] } },
    { username: "jwt_tests_rsa_consumer_9", credentials: { jwt_secrets: [{ key: keys.rs384, algorithm: "RS384", rsa_public_key: rsa384.publicPem }] } },
    { username: "jwt_tests_rsa_consumer_10", credentials: { jwt_secrets: [{ key: keys.es384, algorithm: "ES384", rsa_public_key: es384.publicPem }] } },
    { username: "jwt_tests_es256", credentials: { jwt_secrets: [{ key: keys.es256, algorithm: "ES256", rsa_public_key: es256.publicPem }] } },
    { username: "jwt_tests_es512", credentials: { jwt_secrets: [{ key: keys.es512, algorithm: "ES512", rsa_public_key: es512.publicPem }] } },
    { username: "jwt_tests_ps256", credentials: { jwt_secrets: [{ key: keys.ps256, algorithm: "PS256", rsa_public_key: ps.publicPem }] } },
    { username: "jwt_tests_ps384", credentials: { jwt_secrets: [{ key: keys.ps384, algorithm: "PS384", rsa_public_key: ps.publicPem }] } },
    { username: "jwt_tests_ps512", credentials: { jwt_secrets: [{ key: keys.ps512, algorithm: "PS512", rsa_public_key: ps.publicPem }] } },
    { username: "jwt_tests_ed25519", credentials: { jwt_secrets: [{ key: keys.ed25519, algorithm: "EdDSA", rsa_public_key: ed25519.publicPem }] } },
    { username: "jwt_tests_ed448", credentials: { jwt_secrets: [{ key: keys.ed448, algorithm: "EdDSA", rsa_public_key: ed448.publicPem }] } },
    { username: "jwt_tests_hs_consumer_7", credentials: { jwt_secrets: [{ key: keys.hs384, algorithm: "HS384", secret: secrets.hs384 }] } },
    { username: "jwt_tests_hs_consumer_8", credentials: { jwt_secrets: [{ key: keys.hs512, algorithm: "HS512", secret: secrets.hs512 }] } },
    { id: anonymousId, username: "no-body" },
  ];
  const configs: Record<string, unknown> = {
    jwt1: {},
    jwt2: { uri_param_names: ["token", "jwt"] },
    jwt3: { claims_to_verify: ["nbf", "exp"] },
    jwt4: { key_claim_name: "aud" },
    jwt5: { secret_is_base64: true },
    jwt6: { anonymous: anonymousId },
    jwt8: { run_on_preflight: false },
    jwt9: { cookie_names: ["silly", "crumble"], realm: "test-jwt" },
    jwt10: { key_claim_name: "kid" },
    jwt11: { claims_to_verify: ["nbf", "exp"], maximum_expiration: 300 },
    jwt12: { header_names: ["CustomAuthorization"] },
    jwt13: { anonymous: "no-body" },
  };
  for (const [route, config] of Object.entries(configs)) {
    routes[route] = await createHarness([{ plugin: jwt, config }], { consumers, now: fixedClock });
  }
});

afterAll(async () => {
  for (const harness of Object.values(routes)) await harness.close();
});

const route = (name: string) => routes[name]!;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const hs256 = (payload: Record<string, unknown>, secret: string) => signJose(payload, secretKey(secret), "HS256");

describe("reference vectors (kong-plugins.md §2.6)", () => {
  const valid =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhMzZjMzA0OWIzNjI0OWEzYzlmODg5MWNiMTI3MjQzYyIsImV4cCI6NDEwMjQ0NDgwMH0.7JY3G_6wNcJgQyxRwaOhWVGxHHqG6V57JpQl7cJDjhE";
  const expired =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhMzZjMzA0OWIzNjI0OWEzYzlmODg5MWNiMTI3MjQzYyIsImV4cCI6MTAwMH0.u15qiMZcf5LA_-Dxe42k1qdikVn8C3TkTU2_OCv85L0";
  const base64Vector = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJiNjRrZXkifQ.-cHfQkY2egGld080kDjIdhJIUeBD2hXyhVCZBgGSfag";

  it("accepts the HS256 vector", async () => {
    const result = await route("jwt1").request({ headers: bearer(valid) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe(keys.main);
  });

  it("answers the exp:1000 vector with {\"exp\":\"token expired\"} when exp is verified", async () => {
    const result = await route("jwt3").request({ headers: bearer(expired) });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"nbf":"must be a number","exp":"token expired"}');
    const onlyExp = await createHarness([{ plugin: jwt, config: { claims_to_verify: ["exp"] } }], {
      consumers: [{ username: "u", credentials: { jwt_secrets: [{ key: keys.main, secret: secrets.main }] } }],
      now: fixedClock,
    });
    try {
      const exact = await onlyExp.request({ headers: bearer(expired) });
      expect(exact.status).toBe(401);
      expect(exact.text()).toBe('{"exp":"token expired"}');
      expect(exact.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
    } finally {
      await onlyExp.close();
    }
  });

  it("accepts the secret_is_base64 vector", async () => {
    const result = await route("jwt5").request({ headers: bearer(base64Vector) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_base64_consumer");
  });
});

describe("refusals", () => {
  it("returns 401 Unauthorized if no JWT is found in the request", async () => {
    const result = await route("jwt1").request({ path: "/request" });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"message":"Unauthorized"}');
    expect(result.headers["www-authenticate"]).toBe("Bearer");
    expect(result.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("returns 401 if the claims do not contain the key to identify a secret", async () => {
    const result = await route("jwt1").request({ headers: bearer(await hs256(defaultPayload(), "foo")) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "No mandatory 'iss' in claims" });
    expect(result.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("returns 401 if the claims do not contain a valid key to identify a secret", async () => {
    const result = await route("jwt1").request({ headers: bearer(await hs256(defaultPayload({ iss: "" }), "foo")) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Invalid 'iss' in claims" });
  });

  it("returns 401 Unauthorized if the iss does not match a credential", async () => {
    const result = await route("jwt1").request({ headers: bearer(await hs256(defaultPayload({ iss: "123456789" }), secrets.main)) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "No credentials found for given 'iss'" });
    expect(result.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });

  it("returns 401 Unauthorized if the signature is invalid", async () => {
    const result = await route("jwt1").request({ headers: bearer(await hs256(defaultPayload({ iss: keys.main }), "foo")) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Invalid signature" });
  });

  it("returns 401 Unauthorized if the alg does not match the credential", async () => {
    const token = signHmacRaw({ typ: "JWT", alg: "RS256" }, defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt1").request({ headers: bearer(token) });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Invalid algorithm" });
  });

  it("returns 200 on OPTIONS requests if run_on_preflight is false", async () => {
    const result = await route("jwt8").request({ method: "OPTIONS", path: "/request" });
    expect(result.status).toBe(200);
  });

  it("returns Unauthorized on OPTIONS requests if run_on_preflight is true", async () => {
    const result = await route("jwt1").request({ method: "OPTIONS", path: "/request" });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"message":"Unauthorized"}');
    expect(result.headers["www-authenticate"]).toBe("Bearer");
  });

  it("returns 401 if the token exceeds the maximum allowed expiration limit", async () => {
    const token = await hs256({ iss: keys.main, exp: NOW_SECONDS + 3600, nbf: NOW_SECONDS - 30 }, secrets.main);
    const result = await route("jwt11").request({ path: `/request/?jwt=${token}` });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"exp":"exceeds maximum allowed expiration"}');
  });

  it("accepts a JWT token within the maximum allowed expiration limit", async () => {
    const token = await hs256({ iss: keys.main, exp: NOW_SECONDS + 270, nbf: NOW_SECONDS - 30 }, secrets.main);
    const result = await route("jwt11").request({ path: `/request/?jwt=${token}` });
    expect(result.status).toBe(200);
  });

  it("rejects a gRPC call without credentials (401; the runtime maps it to Unauthenticated)", async () => {
    const result = await route("jwt1").request({
      method: "POST",
      path: "/hello.HelloService/SayHello",
      httpVersion: "2.0",
      headers: { "content-type": "application/grpc" },
    });
    expect(result.status).toBe(401);
  });

  it("returns 401 with Multiple tokens provided when the query and the header carry different tokens", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt1").request({ path: `/request?jwt=${token}`, headers: { authorization: "Bearer invalid.jwt.token" } });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "Multiple tokens provided" });
    expect(result.headers["www-authenticate"]).toBe('Bearer error="invalid_token"');
  });
});

describe("HS256", () => {
  it("proxies the request with token and consumer headers if it was verified", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt1").request({ path: "/request", headers: bearer(token) });
    expect(result.status).toBe(200);
    const headers = result.upstreamRequest!.headers;
    expect(headers.authorization).toBe(`Bearer ${token}`);
    expect(headers["x-consumer-username"]).toBe("jwt_tests_consumer");
    expect(headers["x-credential-identifier"]).toBe(keys.main);
    expect(headers["x-credential-username"]).toBeUndefined();
    expect(headers["x-anonymous-consumer"]).toBeUndefined();
    expect(result.consumer?.username).toBe("jwt_tests_consumer");
    expect(result.credential?.key).toBe(keys.main);
  });

  it("accepts a gRPC call with credentials", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt1").request({
      method: "POST",
      path: "/hello.HelloService/SayHello",
      httpVersion: "2.0",
      headers: { "content-type": "application/grpc", ...bearer(token) },
    });
    expect(result.status).toBe(200);
  });

  it("proxies the request if the key is found in headers", async () => {
    const token = await signJose(defaultPayload(), secretKey(secrets.six), "HS256", { kid: keys.six });
    const result = await route("jwt10").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_consumer_6");
  });

  it("proxies the request if secret key is stored in a field other than iss", async () => {
    const token = await hs256(defaultPayload({ aud: keys.main }), secrets.main);
    const result = await route("jwt4").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers.authorization).toBe(`Bearer ${token}`);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_consumer");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe(keys.main);
  });

  it("proxies the request if secret is base64", async () => {
    const token = await hs256(defaultPayload({ iss: keys.base64 }), secrets.base64Original);
    const result = await route("jwt5").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_base64_consumer");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe(keys.base64);
  });

  it("returns 200 if the JWT is found in the cookie crumble", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt9").request({ headers: { cookie: `crumble=${token}; path=/;domain=.jwt9.com` } });
    expect(result.status).toBe(200);
  });

  it("returns 200 if the JWT is found in the cookie silly", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt9").request({ headers: { cookie: `silly=${token}; path=/;domain=.jwt9.com` } });
    expect(result.status).toBe(200);
  });

  it("returns 401 if the JWT found in the cookie does not match a credential", async () => {
    const token = await hs256(defaultPayload({ iss: "incorrect-issuer" }), secrets.main);
    const result = await route("jwt9").request({ headers: { cookie: `silly=${token}; path=/;domain=.jwt9.com` } });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ message: "No credentials found for given 'iss'" });
    expect(result.headers["www-authenticate"]).toBe('Bearer realm="test-jwt", error="invalid_token"');
  });

  it("returns a 401 if the JWT in the cookie is corrupted", async () => {
    const token = `no-way-this-works${await hs256(defaultPayload({ iss: keys.main }), secrets.main)}`;
    const result = await route("jwt9").request({ headers: { cookie: `silly=${token}; path=/;domain=.jwt9.com` } });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"message":"Bad token; invalid JSON"}');
    expect(result.headers["www-authenticate"]).toBe('Bearer realm="test-jwt", error="invalid_token"');
  });

  it("reports a 200 without cookies but with a JWT token in the Authorization header", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    expect((await route("jwt9").request({ headers: bearer(token) })).status).toBe(200);
  });

  it("returns 401 if no JWT tokens are found in cookies or Authorization header", async () => {
    const result = await route("jwt9").request({});
    expect(result.status).toBe(401);
    expect(result.headers["www-authenticate"]).toBe('Bearer realm="test-jwt"');
  });

  it("returns 200 without cookies but with a JWT token in the CustomAuthorization header", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt12").request({ headers: { CustomAuthorization: `Bearer ${token}` } });
    expect(result.status).toBe(200);
  });

  it("finds the JWT in the first header occurrence of a duplicated custom authorization header", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt12").request({ headers: { CustomAuthorization: [`Bearer ${token}`, "Bearer other-token"] } });
    expect(result.status).toBe(200);
  });

  it("finds the JWT if given in URL parameters", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    expect((await route("jwt1").request({ path: `/request/?jwt=${token}` })).status).toBe(200);
  });

  it("finds the JWT if given in a custom URL parameter", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    expect((await route("jwt2").request({ path: `/request/?token=${token}` })).status).toBe(200);
  });
});

describe("algorithms: verifies JWT and identifies the Consumer", () => {
  const cases: [string, string, string, () => Promise<string>][] = [
    ["RS256", keys.rsa1, "jwt_tests_rsa_consumer_1", () => signJose(defaultPayload({ iss: keys.rsa1 }), rsa.privateKey, "RS256")],
    ["RS256 (second consumer, same key)", keys.rsa2, "jwt_tests_rsa_consumer_2", () => signJose(defaultPayload({ iss: keys.rsa2 }), rsa.privateKey, "RS256")],
    ["RS512", keys.rs512, "jwt_tests_rsa_consumer_5", () => signJose(defaultPayload({ iss: keys.rs512 }), rsa512.privateKey, "RS512")],
    ["RS384", keys.rs384, "jwt_tests_rsa_consumer_9", () => signJose(defaultPayload({ iss: keys.rs384 }), rsa384.privateKey, "RS384")],
    ["ES256", keys.es256, "jwt_tests_es256", () => signJose(defaultPayload({ iss: keys.es256 }), es256.privateKey, "ES256")],
    ["ES384", keys.es384, "jwt_tests_rsa_consumer_10", () => signJose(defaultPayload({ iss: keys.es384 }), es384.privateKey, "ES384")],
    ["ES512", keys.es512, "jwt_tests_es512", () => signJose(defaultPayload({ iss: keys.es512 }), es512.privateKey, "ES512")],
    ["PS256", keys.ps256, "jwt_tests_ps256", () => signJose(defaultPayload({ iss: keys.ps256 }), ps.privateKey, "PS256")],
    ["PS384", keys.ps384, "jwt_tests_ps384", () => signJose(defaultPayload({ iss: keys.ps384 }), ps.privateKey, "PS384")],
    ["PS512", keys.ps512, "jwt_tests_ps512", () => signJose(defaultPayload({ iss: keys.ps512 }), ps.privateKey, "PS512")],
    ["EdDSA Ed25519", keys.ed25519, "jwt_tests_ed25519", () => signJose(defaultPayload({ iss: keys.ed25519 }), ed25519.privateKey, "EdDSA")],
    ["EdDSA Ed448", keys.ed448, "jwt_tests_ed448", async () => signEd448(defaultPayload({ iss: keys.ed448 }), ed448.privateKey)],
    ["HS384", keys.hs384, "jwt_tests_hs_consumer_7", () => signJose(defaultPayload({ iss: keys.hs384 }), secretKey(secrets.hs384), "HS384")],
    ["HS512", keys.hs512, "jwt_tests_hs_consumer_8", () => signJose(defaultPayload({ iss: keys.hs512 }), secretKey(secrets.hs512), "HS512")],
  ];
  for (const [name, key, username, mint] of cases) {
    it(name, async () => {
      const token = await mint();
      const result = await route("jwt1").request({ headers: bearer(token) });
      expect(result.status).toBe(200);
      const headers = result.upstreamRequest!.headers;
      expect(headers.authorization).toBe(`Bearer ${token}`);
      expect(headers["x-consumer-username"]).toBe(username);
      expect(headers["x-credential-identifier"]).toBe(key);
      expect(headers["x-anonymous-consumer"]).toBeUndefined();
    });
  }

  it("RS256 verifies on a route with secret_is_base64 (the public key is never base64-decoded)", async () => {
    const token = await signJose(defaultPayload({ iss: keys.rsa1 }), rsa.privateKey, "RS256");
    const result = await route("jwt5").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_rsa_consumer_1");
  });
});

describe("JWT private claims checks", () => {
  it("requires the checked fields to be in the claims", async () => {
    const result = await route("jwt3").request({ path: `/request/?jwt=${await hs256({ iss: keys.main }, secrets.main)}` });
    expect(result.status).toBe(401);
    expect(result.json()).toEqual({ nbf: "must be a number", exp: "must be a number" });
    expect(result.json()).not.toHaveProperty("message");
  });

  it("checks if the fields are valid: `exp` claim", async () => {
    const token = await hs256({ iss: keys.main, exp: NOW_SECONDS - 10, nbf: NOW_SECONDS - 10 }, secrets.main);
    const result = await route("jwt3").request({ path: `/request/?jwt=${token}` });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"exp":"token expired"}');
  });

  it("checks if the fields are valid: `nbf` claim", async () => {
    const token = await hs256({ iss: keys.main, exp: NOW_SECONDS + 10, nbf: NOW_SECONDS + 5 }, secrets.main);
    const result = await route("jwt3").request({ path: `/request/?jwt=${token}` });
    expect(result.status).toBe(401);
    expect(result.text()).toBe('{"nbf":"token not valid yet"}');
  });
});

describe("ctx.shared", () => {
  it("shares the raw token with other plugins as authenticatedJwtToken", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt1").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.shared.authenticatedJwtToken).toBe(token);
  });
});

describe("config.anonymous", () => {
  it("works with right credentials and anonymous", async () => {
    const token = await hs256(defaultPayload({ iss: keys.main }), secrets.main);
    const result = await route("jwt6").request({ headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("jwt_tests_consumer");
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("works with wrong credentials and anonymous", async () => {
    const result = await route("jwt6").request({});
    expect(result.status).toBe(200);
    const headers = result.upstreamRequest!.headers;
    expect(headers["x-anonymous-consumer"]).toBe("true");
    expect(headers["x-consumer-username"]).toBe("no-body");
    expect(headers["x-consumer-id"]).toBe(anonymousId);
    expect(headers["x-credential-identifier"]).toBeUndefined();
    expect(result.credential).toBeUndefined();
  });

  it("works with wrong credentials and username as anonymous", async () => {
    const result = await route("jwt13").request({});
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBe("true");
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("no-body");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBeUndefined();
  });

  it("refuses at load an anonymous consumer that does not exist (Kong: 500 per request)", async () => {
    const missing = randomUUID();
    await expect(createHarness([{ plugin: jwt, config: { anonymous: missing } }], { consumers: [] })).rejects.toMatchObject({
      code: "PC_JWT_ANONYMOUS_NOT_FOUND",
      message: `plugin 'jwt': config.anonymous: anonymous consumer ${missing} is configured but doesn't exist`,
    });
  });
});

describe("invalidations (a reload builds a new instance)", () => {
  it("a deleted credential takes effect on the next snapshot: 200 then 401", async () => {
    const token = await hs256(defaultPayload({ iss: "rotating" }), "rotating-secret");
    const before = await createHarness([jwt], {
      consumers: [{ username: "r", credentials: { jwt_secrets: [{ key: "rotating", secret: "rotating-secret" }] } }],
      now: fixedClock,
    });
    const after = await createHarness([jwt], { consumers: [{ username: "r" }], now: fixedClock });
    try {
      expect((await before.request({ headers: bearer(token) })).status).toBe(200);
      expect((await after.request({ headers: bearer(token) })).status).toBe(401);
    } finally {
      await before.close();
      await after.close();
    }
  });

  it("an updated secret takes effect on the next snapshot", async () => {
    const token = await hs256(defaultPayload({ iss: "rotating" }), "old-secret");
    const after = await createHarness([jwt], {
      consumers: [{ username: "r", credentials: { jwt_secrets: [{ key: "rotating", secret: "new-secret" }] } }],
      now: fixedClock,
    });
    try {
      const result = await after.request({ headers: bearer(token) });
      expect(result.status).toBe(401);
      expect(result.json()).toEqual({ message: "Invalid signature" });
    } finally {
      await after.close();
    }
  });
});
