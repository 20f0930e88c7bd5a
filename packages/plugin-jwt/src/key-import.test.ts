import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { exportJWK } from "jose";
import { describe, expect, it } from "vitest";
import { decodeKongBase64, importPublicJwk, importPublicKeyPem, importSecret } from "./key-import.js";

const pem = (key: ReturnType<typeof generateKeyPairSync>["publicKey"]) => key.export({ type: "spki", format: "pem" }).toString();

describe("decodeKongBase64", () => {
  it("pads, accepts both alphabets, and refuses junk", () => {
    expect(decodeKongBase64("bXktc2VjcmV0")?.toString()).toBe("my-secret");
    expect(decodeKongBase64("bXk")?.toString()).toBe("my");
    expect(decodeKongBase64("-_-_")?.equals(Buffer.from("+/+/", "base64"))).toBe(true);
    expect(decodeKongBase64("not*base64")).toBeUndefined();
    expect(decodeKongBase64("abcde")).toBeUndefined();
  });
});

describe("importSecret", () => {
  it("imports a secret KeyObject bound to one hash", () => {
    const result = importSecret("secret", "HS384", false);
    expect(result.ok && result.key.kind === "hmac" && result.key.hash).toBe("sha384");
    expect(result.ok && result.key.kind === "hmac" && result.key.key.type).toBe("secret");
  });

  it("refuses a non-base64 secret under secret_is_base64 and a non-HMAC algorithm", () => {
    expect(importSecret("*", "HS256", true).ok).toBe(false);
    expect(importSecret("s", "RS256", false).ok).toBe(false);
  });
});

describe("importPublicKeyPem", () => {
  it("binds PS keys to the hash-length salt and ES keys to raw r||s signatures", () => {
    const rsa = pem(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey);
    const ps = importPublicKeyPem(rsa, "PS384");
    expect(ps.ok && ps.key.kind === "public" && ps.key.options.saltLength).toBe(48);
    const es = importPublicKeyPem(pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey), "ES256");
    expect(es.ok && es.key.kind === "public" && es.key.options.dsaEncoding).toBe("ieee-p1363");
  });

  it("imports every key family for its algorithm", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expect((importPublicKeyPem(pem(rsa), "RS256")).ok).toBe(true);
    expect((importPublicKeyPem(pem(rsa), "PS512")).ok).toBe(true);
    expect((importPublicKeyPem(pem(generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey), "ES512")).ok).toBe(true);
    expect((importPublicKeyPem(pem(generateKeyPairSync("ed25519").publicKey), "EdDSA")).ok).toBe(true);
    const ed448 = importPublicKeyPem(pem(generateKeyPairSync("ed448").publicKey), "EdDSA");
    expect(ed448.ok && ed448.key.kind === "public" && ed448.key.hash).toBeNull();
  });

  it("refuses junk, mismatched types and short RSA keys", async () => {
    expect(importPublicKeyPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "RS256")).toEqual({ ok: false, reason: "invalid key" });
    const ec = pem(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);
    expect((importPublicKeyPem(ec, "ES384")).ok).toBe(false);
    expect((importPublicKeyPem(ec, "EdDSA")).ok).toBe(false);
    const short = pem(generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey);
    expect(importPublicKeyPem(short, "RS256")).toMatchObject({ ok: false, reason: expect.stringContaining("2048") });
  });
});

describe("importPublicJwk", () => {
  it("imports a public member that fits the algorithm", async () => {
    const jwk = await exportJWK(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey);
    expect((await importPublicJwk({ ...jwk, kid: "a", use: "sig", alg: "ES256" }, "ES256")).ok).toBe(true);
    expect((await importPublicJwk(jwk, "ES384")).ok).toBe(false);
    expect((await importPublicJwk({ ...jwk, alg: "ES384" }, "ES256")).ok).toBe(false);
    expect((await importPublicJwk({ ...jwk, use: "enc" }, "ES256")).ok).toBe(false);
  });

  it("refuses private and symmetric members", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const privateJwk = await exportJWK(privateKey);
    expect((await importPublicJwk(privateJwk, "EdDSA")).ok).toBe(false);
    expect((await importPublicJwk({ kty: "oct", k: "c2VjcmV0" }, "HS256")).ok).toBe(false);
    expect((await importPublicJwk({ kty: "RSA", n: "AQAB", e: "AQAB" }, "RS256")).ok).toBe(false);
  });

  it("imports an Ed448 member through node:crypto", async () => {
    const jwk = createPublicKey(pem(generateKeyPairSync("ed448").publicKey)).export({ format: "jwk" });
    const result = await importPublicJwk(jwk as Record<string, unknown>, "EdDSA");
    expect(result.ok && result.key.kind === "public" && result.key.options.key.asymmetricKeyType).toBe("ed448");
  });
});
