import { constants, createPublicKey, createSecretKey, KeyObject } from "node:crypto";
import { importJWK, type JWK } from "jose";
import { type Algorithm, curveOf } from "./algorithms.js";

/**
 * A key imported once at load and bound to exactly one algorithm (RFC 8725 §3.1), with the node:crypto options
 * its verification needs, prebuilt so that a request only hashes and compares.
 */
export type VerificationKey =
  | { readonly kind: "hmac"; readonly algorithm: Algorithm; readonly hash: string; readonly key: KeyObject }
  | {
      readonly kind: "public";
      readonly algorithm: Algorithm;
      /** Null for EdDSA, which hashes internally. */
      readonly hash: string | null;
      readonly options: { readonly key: KeyObject; readonly padding?: number; readonly saltLength?: number; readonly dsaEncoding?: "ieee-p1363" };
    };

export type KeyImport = { readonly ok: true; readonly key: VerificationKey } | { readonly ok: false; readonly reason: string };

const hashOf: Readonly<Record<Algorithm, string | null>> = {
  HS256: "sha256",
  HS384: "sha384",
  HS512: "sha512",
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
  PS256: "sha256",
  PS384: "sha384",
  PS512: "sha512",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
  EdDSA: null,
};
const pssSaltLength: Readonly<Partial<Record<Algorithm, number>>> = { PS256: 32, PS384: 48, PS512: 64 };
const nodeCurveNames: Readonly<Record<string, string>> = { prime256v1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const standardBase64 = /^[A-Za-z0-9+/]*={0,2}$/;
const minimumRsaBits = 2048;

/**
 * Kong's `base64_decode` for `secret_is_base64`: pad to a multiple of four, map the URL alphabet to the standard
 * one, decode. Undefined when the result is not base64 (Kong then answers "Invalid key/secret").
 */
export function decodeKongBase64(value: string): Buffer | undefined {
  const remainder = value.length % 4;
  const padded = (remainder === 0 ? value : value + "=".repeat(4 - remainder)).replace(/-/g, "+").replace(/_/g, "/");
  if (!standardBase64.test(padded) || remainder === 1) return undefined;
  return Buffer.from(padded, "base64");
}

/** Imports an HS* secret as a KeyObject, once. */
export function importSecret(secret: string, algorithm: Algorithm, secretIsBase64: boolean): KeyImport {
  if (!algorithm.startsWith("HS")) return { ok: false, reason: `${algorithm} is not an HMAC algorithm` };
  const bytes = secretIsBase64 ? decodeKongBase64(secret) : Buffer.from(secret, "utf8");
  if (bytes === undefined) return { ok: false, reason: "secret is not base64 (secret_is_base64 is set)" };
  return { ok: true, key: { kind: "hmac", algorithm, hash: hashOf[algorithm]!, key: createSecretKey(bytes) } };
}

function describeMismatch(keyObject: KeyObject, algorithm: Algorithm): string | undefined {
  if (keyObject.type !== "public") return "not a public key";
  const type = keyObject.asymmetricKeyType;
  if (algorithm.startsWith("RS")) {
    if (type !== "rsa") return `an ${algorithm} key must be RSA, got ${String(type)}`;
  } else if (algorithm.startsWith("PS")) {
    if (type !== "rsa" && type !== "rsa-pss") return `a ${algorithm} key must be RSA, got ${String(type)}`;
  } else if (algorithm.startsWith("ES")) {
    const curve = nodeCurveNames[String(keyObject.asymmetricKeyDetails?.namedCurve)];
    if (type !== "ec" || curve !== curveOf[algorithm]) return `an ${algorithm} key must be EC ${curveOf[algorithm]}`;
  } else if (algorithm === "EdDSA") {
    if (type !== "ed25519" && type !== "ed448") return `an EdDSA key must be Ed25519 or Ed448, got ${String(type)}`;
  } else {
    return `${algorithm} does not use a public key`;
  }
  if ((type === "rsa" || type === "rsa-pss") && (keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < minimumRsaBits) {
    return `RSA keys must be at least ${minimumRsaBits} bits (RFC 7518 §3.3)`;
  }
  return undefined;
}

function bindPublicKey(keyObject: KeyObject, algorithm: Algorithm): KeyImport {
  const mismatch = describeMismatch(keyObject, algorithm);
  if (mismatch !== undefined) return { ok: false, reason: mismatch };
  const saltLength = pssSaltLength[algorithm];
  const options =
    saltLength !== undefined
      ? { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }
      : algorithm.startsWith("ES")
        ? { key: keyObject, dsaEncoding: "ieee-p1363" as const }
        : { key: keyObject };
  return { ok: true, key: { kind: "public", algorithm, hash: hashOf[algorithm], options } };
}

/**
 * Imports `rsa_public_key` (PEM: SPKI, PKCS#1 or a certificate) for one algorithm. The key type and size must fit
 * the algorithm, so a mismatched key is refused at load instead of failing every request.
 */
export function importPublicKeyPem(pem: string, algorithm: Algorithm): KeyImport {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey(pem);
  } catch {
    return { ok: false, reason: "invalid key" };
  }
  return bindPublicKey(keyObject, algorithm);
}

const ktyOf = (algorithm: Algorithm): string =>
  algorithm.startsWith("ES") ? "EC" : algorithm === "EdDSA" ? "OKP" : algorithm.startsWith("HS") ? "oct" : "RSA";

/**
 * Imports one member of a JWK Set for one algorithm with jose, which enforces RFC 7517's `alg`, `use` and `key_ops`
 * consistency. Private or symmetric members and members whose `kty` or `crv` do not fit are refused. Ed448, which
 * jose does not implement, is read by node:crypto.
 */
export async function importPublicJwk(jwk: Readonly<Record<string, unknown>>, algorithm: Algorithm): Promise<KeyImport> {
  if (jwk.kty !== ktyOf(algorithm) || jwk.kty === "oct") return { ok: false, reason: "kty does not fit the algorithm" };
  if (jwk.alg !== undefined && jwk.alg !== algorithm) return { ok: false, reason: "alg does not fit the algorithm" };
  if (jwk.use !== undefined && jwk.use !== "sig") return { ok: false, reason: "not a signature key" };
  if (jwk.d !== undefined || jwk.k !== undefined || jwk.priv !== undefined) return { ok: false, reason: "not a public key" };
  try {
    if (jwk.kty === "OKP" && jwk.crv === "Ed448") {
      return bindPublicKey(createPublicKey({ key: { kty: "OKP", crv: "Ed448", x: jwk.x } as JsonWebKeyInput, format: "jwk" }), algorithm);
    }
    const imported = await importJWK({ ...jwk, ext: true } as JWK, algorithm);
    if (imported instanceof Uint8Array) return { ok: false, reason: "not a public key" };
    return bindPublicKey(KeyObject.from(imported as Parameters<typeof KeyObject.from>[0]), algorithm);
  } catch (error) {
    return { ok: false, reason: `invalid key: ${(error as Error).message}` };
  }
}

type JsonWebKeyInput = import("node:crypto").JsonWebKey;
