import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign as nodeSign } from "node:crypto";
import { SignJWT } from "jose";

/** Tokens are minted here with jose or node:crypto, never with the plugin's code. */

export const NOW_SECONDS = 1_800_000_000;
export const NOW_MS = NOW_SECONDS * 1000;
export const fixedClock = () => NOW_MS;

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

function pair(generated: { privateKey: KeyObject; publicKey: KeyObject }): KeyPair {
  return { privateKey: generated.privateKey, publicPem: generated.publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export function rsaKeyPair(bits = 2048): KeyPair {
  return pair(generateKeyPairSync("rsa", { modulusLength: bits }));
}
export function ecKeyPair(curve: "P-256" | "P-384" | "P-521"): KeyPair {
  return pair(generateKeyPairSync("ec", { namedCurve: curve }));
}
export function ed25519KeyPair(): KeyPair {
  return pair(generateKeyPairSync("ed25519"));
}
export function ed448KeyPair(): KeyPair {
  return pair(generateKeyPairSync("ed448"));
}

/** Kong's spec PAYLOAD: `{nbf = now, iat = now, exp = now + 3600}`. */
export function defaultPayload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { nbf: NOW_SECONDS, iat: NOW_SECONDS, exp: NOW_SECONDS + 3600, ...extra };
}

/** Signs with jose, header `{typ: "JWT", alg}` plus `header`. */
export async function signJose(
  payload: Record<string, unknown>,
  key: KeyObject | Uint8Array,
  alg: string,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ typ: "JWT", alg, ...header }).sign(key);
}

/** HMAC-signs an arbitrary header and payload with node:crypto (for headers jose would refuse to produce). */
export function signHmacRaw(
  header: Record<string, unknown>,
  payload: Record<string, unknown> | string,
  secret: string | Buffer,
  hash: "sha256" | "sha384" | "sha512" = "sha256",
): string {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString("base64url");
  const encodedPayload = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)).toString("base64url");
  const signature = createHmac(hash, secret).update(`${encodedHeader}.${encodedPayload}`).digest("base64url");
  return `${encodedHeader}.${encodedPayload}.${signature}`;
}

/** Ed448 with node:crypto (jose does not implement Ed448). */
export function signEd448(payload: Record<string, unknown>, privateKey: KeyObject): string {
  const encodedHeader = Buffer.from(JSON.stringify({ typ: "JWT", alg: "EdDSA" })).toString("base64url");
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const signature = nodeSign(null, Buffer.from(`${encodedHeader}.${encodedPayload}`), privateKey).toString("base64url");
  return `${encodedHeader}.${encodedPayload}.${signature}`;
}

export function secretKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

export { createPrivateKey };
