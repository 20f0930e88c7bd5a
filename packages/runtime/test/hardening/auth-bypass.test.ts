/**
 * Attempts to reach a jwt- or hmac-protected route without valid credentials, or to pass forged identity headers
 * upstream, through a real gateway with the real plugins. A public route sits next to the protected ones.
 */
import { createHmac, generateKeyPairSync } from "node:crypto";
import { signKongRequest } from "@portcullis/plugin-hmac";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, startUpstream, type TestServer } from "../support.js";
import { type HardenedGateway, rawRequest, startHardenedGateway } from "./attack-support.js";

const hsSecret = "alice-hs-secret-0123456789abcdef0123";
const hmacSecret = "alice-hmac-secret";
const { privateKey: rsPrivateKey, publicKey: rsPublicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsPublicPem = rsPublicKey.export({ type: "spki", format: "pem" }).toString();

let upstream: TestServer;
let gateway: HardenedGateway;

const forgedIdentity = {
  "x-consumer-id": "forged-id",
  "x-consumer-custom-id": "forged-custom",
  "x-consumer-username": "admin",
  "x-credential-identifier": "forged-credential",
  "x-anonymous-consumer": "false",
};

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await startHardenedGateway({
    config: {
      _format_version: "3.0",
      services: [
        {
          name: "backend",
          url: upstream.url,
          routes: [
            { name: "public", paths: ["/public"], strip_path: false },
            { name: "private", paths: ["/private"], strip_path: false, plugins: [{ name: "jwt" }] },
            { name: "signed", paths: ["/signed"], strip_path: false, plugins: [{ name: "hmac-auth", config: { enforce_headers: ["date"] } }] },
            { name: "guest", paths: ["/guest"], strip_path: false, plugins: [{ name: "jwt", config: { anonymous: "anonymous" } }] },
            {
              name: "guest-signed",
              paths: ["/guest-signed"],
              strip_path: false,
              plugins: [{ name: "hmac-auth", config: { anonymous: "anonymous" } }],
            },
          ],
        },
      ],
      consumers: [
        {
          username: "alice",
          custom_id: "alice-custom",
          jwt_secrets: [
            { key: "alice-hs", secret: hsSecret },
            { key: "alice-rs", algorithm: "RS256", rsa_public_key: rsPublicPem },
          ],
          hmacauth_credentials: [{ username: "alice-hmac", secret: hmacSecret }],
        },
        { username: "bob", jwt_secrets: [{ key: "bob-hs", secret: "bob-hs-secret-0123456789abcdef01234" }] },
        { username: "anonymous" },
      ],
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

function hsToken(key: string, secret: string, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: key, exp: now + 600 }).setProtectedHeader({ alg: "HS256", typ: "JWT", ...header }).sign(new TextEncoder().encode(secret));
}

/** A JWT with an arbitrary header, HMAC-signed with node:crypto (jose refuses to produce the confused ones). */
function rawJwt(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | undefined): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const signingInput = `${encode(header)}.${encode(payload)}`;
  const signature = secret === undefined ? "" : createHmac("sha256", secret).update(signingInput).digest("base64url");
  return `${signingInput}.${signature}`;
}

function lastForwarded() {
  return upstream.requests.at(-1)!;
}

describe("encoded and dot-segment paths cannot reach /private past its jwt", () => {
  const attempts = [
    "/public/../private",
    "/public/%2e%2e/private",
    "/public/%2E%2E/private",
    "/public/.%2e/private",
    "/public/%2e./private",
    "/public/%252e%252e/private",
    "/public/..%2Fprivate",
    "/public%2F..%2Fprivate",
    "/public/..;/private",
    "//private",
    "///private/",
    "/./private",
    "/%2e/private",
    "/private/.",
    "/private.",
    "/private..",
    "/private%2e",
    "/%70rivate",
    "/PRIVATE",
    "/Private",
    "/public/..%5Cprivate",
    "/public\\..\\private",
    "/public/%00/../private",
    "/public/%c0%ae%c0%ae/private",
    "http://evil.example/private",
  ];

  it.each(attempts)("%s", async (path) => {
    const before = upstream.requests.length;
    const result = await rawRequest(gateway.port, `GET ${path} HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n`);
    expect(result.statuses).toHaveLength(1);
    const status = result.statuses[0]!;
    // 401 (the private route's jwt answered), 400 (refused path) or 404 (no route): never proxied as /private.
    const forwarded = upstream.requests.slice(before);
    if (status === 200) {
      expect(forwarded).toHaveLength(1);
      // A lenient upstream resolves dot segments itself (WHATWG URL); it must still not land on /private.
      const resolved = new URL(forwarded[0]!.url, "http://upstream").pathname;
      expect(resolved.toLowerCase().startsWith("/private")).toBe(false);
      expect(resolved.toLowerCase().startsWith("/public")).toBe(true);
    } else {
      expect([400, 401, 404]).toContain(status);
      expect(forwarded).toEqual([]);
    }
  });
});

describe("client-supplied identity headers never reach the upstream as the client wrote them", () => {
  it("jwt, authenticated: every consumer header is set by the gateway or removed", async () => {
    const token = await hsToken("alice-hs", hsSecret);
    const response = await send(`${gateway.url}/private/data`, { headers: { ...forgedIdentity, authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const headers = lastForwarded().headers;
    expect(headers["x-consumer-username"]).toBe("alice");
    expect(headers["x-consumer-custom-id"]).toBe("alice-custom");
    expect(headers["x-consumer-id"]).not.toBe("forged-id");
    expect(headers["x-credential-identifier"]).toBe("alice-hs");
    expect(headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("jwt, anonymous: the anonymous consumer's headers replace the forged ones", async () => {
    const response = await send(`${gateway.url}/guest/data`, { headers: { ...forgedIdentity, authorization: "Bearer not-a-token" } });
    expect(response.status).toBe(200);
    const headers = lastForwarded().headers;
    expect(headers["x-consumer-username"]).toBe("anonymous");
    expect(headers["x-consumer-custom-id"]).toBeUndefined();
    expect(headers["x-consumer-id"]).not.toBe("forged-id");
    expect(headers["x-credential-identifier"]).toBeUndefined();
    expect(headers["x-anonymous-consumer"]).toBe("true");
  });

  it("hmac-auth, authenticated: every consumer header is set by the gateway or removed", async () => {
    const date = new Date().toUTCString();
    const signed = signKongRequest({ username: "alice-hmac", secret: hmacSecret, method: "GET", path: "/signed/data", headers: { date } });
    const response = await send(`${gateway.url}/signed/data`, { headers: { ...forgedIdentity, date, authorization: signed.authorization } });
    expect(response.status).toBe(200);
    const headers = lastForwarded().headers;
    expect(headers["x-consumer-username"]).toBe("alice");
    expect(headers["x-credential-identifier"]).toBe("alice-hmac");
    expect(headers["x-consumer-id"]).not.toBe("forged-id");
    expect(headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it("hmac-auth, anonymous: the anonymous consumer's headers replace the forged ones", async () => {
    const response = await send(`${gateway.url}/guest-signed/data`, { headers: { ...forgedIdentity, authorization: 'hmac username="alice-hmac"' } });
    expect(response.status).toBe(200);
    const headers = lastForwarded().headers;
    expect(headers["x-consumer-username"]).toBe("anonymous");
    expect(headers["x-credential-identifier"]).toBeUndefined();
    expect(headers["x-anonymous-consumer"]).toBe("true");
  });

  it("a refused request forwards nothing at all", async () => {
    const before = upstream.requests.length;
    const jwtRefused = await send(`${gateway.url}/private/data`, { headers: forgedIdentity });
    const hmacRefused = await send(`${gateway.url}/signed/data`, { headers: forgedIdentity });
    expect([jwtRefused.status, hmacRefused.status]).toEqual([401, 401]);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("hop-by-hop abuse: Connection cannot strip the headers auth sets", () => {
  const listed = "X-Consumer-Username, x-credential-identifier, x-consumer-id, x-anonymous-consumer, content-length, authorization";

  it("jwt, authenticated, with a body", async () => {
    const token = await hsToken("alice-hs", hsSecret);
    const response = await send(`${gateway.url}/private/data`, {
      method: "POST",
      headers: { ...forgedIdentity, authorization: `Bearer ${token}`, connection: listed, "content-type": "text/plain" },
      body: "hello",
    });
    expect(response.status).toBe(200);
    const forwarded = lastForwarded();
    expect(forwarded.headers["x-consumer-username"]).toBe("alice");
    expect(forwarded.headers["x-credential-identifier"]).toBe("alice-hs");
    expect(forwarded.headers["x-consumer-id"]).not.toBe("forged-id");
    expect(forwarded.headers["x-anonymous-consumer"]).toBeUndefined();
    // The listed content-length is kept: removing it would change how the body is framed upstream.
    expect(forwarded.body.toString()).toBe("hello");
  });

  it("jwt, anonymous", async () => {
    const response = await send(`${gateway.url}/guest/data`, { headers: { ...forgedIdentity, connection: listed } });
    expect(response.status).toBe(200);
    const headers = lastForwarded().headers;
    expect(headers["x-consumer-username"]).toBe("anonymous");
    expect(headers["x-anonymous-consumer"]).toBe("true");
    expect(headers["x-credential-identifier"]).toBeUndefined();
  });

  it("a Connection header cannot hide Authorization from the jwt plugin", async () => {
    const token = await hsToken("alice-hs", hsSecret);
    const response = await rawRequest(
      gateway.port,
      `GET /private/x HTTP/1.1\r\nHost: gateway\r\nConnection: authorization, close\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    expect(response.statuses).toEqual([200]);
    // The client asked for Authorization to be hop-by-hop, and that is honoured upstream (RFC 9110 7.6.1).
    expect(lastForwarded().headers.authorization).toBeUndefined();
    expect(lastForwarded().headers["x-consumer-username"]).toBe("alice");
  });
});

describe("algorithm confusion", () => {
  it("refuses an HS256 token signed with an RS256 credential's public key PEM as the HMAC secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = rawJwt({ alg: "HS256", typ: "JWT" }, { iss: "alice-rs", exp: now + 600 }, rsPublicPem);
    const response = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });

  it("refuses alg none, with and without a signature", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const alg of ["none", "None", "NONE"]) {
      const unsigned = rawJwt({ alg, typ: "JWT" }, { iss: "alice-hs", exp: now + 600 }, undefined);
      const signed = rawJwt({ alg, typ: "JWT" }, { iss: "alice-hs", exp: now + 600 }, hsSecret);
      for (const token of [unsigned, signed]) {
        const response = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(401);
      }
    }
  });

  it("refuses a lower-case hs256 even when signed with the right secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = rawJwt({ alg: "hs256", typ: "JWT" }, { iss: "alice-hs", exp: now + 600 }, hsSecret);
    const response = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });

  it("refuses an RS256 token whose header claims HS256 for the RS credential", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: "alice-rs", exp: now + 600 }).setProtectedHeader({ alg: "RS256" }).sign(rsPrivateKey);
    const good = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(good.status).toBe(200);
    const [header, payload, signature] = token.split(".");
    void header;
    const relabelled = `${Buffer.from(JSON.stringify({ alg: "HS256" })).toString("base64url")}.${payload}.${signature}`;
    const response = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${relabelled}` } });
    expect(response.status).toBe(401);
  });
});

describe("duplicate, conflicting and multiple credentials", () => {
  it("a forged first Authorization line with a valid second one is refused", async () => {
    const token = await hsToken("alice-hs", hsSecret);
    const response = await rawRequest(
      gateway.port,
      `GET /private/x HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer forged\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    expect(response.statuses).toEqual([401]);
  });

  it("two Authorization lines: the consumer the upstream is told about is the one whose token it receives", async () => {
    const alice = await hsToken("alice-hs", hsSecret);
    const bob = await hsToken("bob-hs", "bob-hs-secret-0123456789abcdef01234");
    const before = upstream.requests.length;
    const response = await rawRequest(
      gateway.port,
      `GET /private/x HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${alice}\r\nAuthorization: Bearer ${bob}\r\nConnection: close\r\n\r\n`,
    );
    const forwarded = upstream.requests.slice(before);
    if (response.statuses[0] === 200) {
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]!.headers["x-consumer-username"]).toBe("alice");
      expect(forwarded[0]!.headers.authorization).toBe(`Bearer ${alice}`);
    } else {
      expect(response.statuses).toEqual([401]);
      expect(forwarded).toEqual([]);
    }
  });

  it("two distinct tokens (query and header) are refused as multiple tokens", async () => {
    const alice = await hsToken("alice-hs", hsSecret);
    const bob = await hsToken("bob-hs", "bob-hs-secret-0123456789abcdef01234");
    const response = await send(`${gateway.url}/private/x?jwt=${bob}`, { headers: { authorization: `Bearer ${alice}` } });
    expect(response.status).toBe(401);
    expect(response.json().message).toBe("Multiple tokens provided");
  });

  it("a repeated query token that disagrees is refused", async () => {
    const alice = await hsToken("alice-hs", hsSecret);
    const response = await send(`${gateway.url}/private/x?jwt=${alice}&jwt=forged`);
    expect(response.status).toBe(401);
  });

  it("a token whose header carries a kid for another consumer does not switch identity", async () => {
    const token = await hsToken("alice-hs", hsSecret, { kid: "bob-hs" });
    const response = await send(`${gateway.url}/private/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(lastForwarded().headers["x-consumer-username"]).toBe("alice");
  });

  it("hmac: a valid signature for one path does not authorize another", async () => {
    const date = new Date().toUTCString();
    const signed = signKongRequest({
      username: "alice-hmac",
      secret: hmacSecret,
      method: "GET",
      path: "/signed/a",
      headers: { date },
      headerNames: ["date", "request-line"],
    });
    const good = await send(`${gateway.url}/signed/a`, { headers: { date, authorization: signed.authorization } });
    expect(good.status).toBe(200);
    const moved = await send(`${gateway.url}/signed/b`, { headers: { date, authorization: signed.authorization } });
    expect(moved.status).toBe(401);
  });
});
