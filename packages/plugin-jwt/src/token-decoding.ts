import { type Algorithm, isSupportedAlgorithm } from "./algorithms.js";

export type JsonObject = Record<string, unknown>;

export interface DecodedToken {
  readonly header: JsonObject;
  readonly claims: JsonObject;
  readonly algorithm: Algorithm;
  /** `header.payload`, exactly as received: what the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** Kong's decoder errors, shown to the client as `Bad token; <reason>`. */
export type DecodeFailure = "invalid JSON" | "invalid alg" | "invalid signature";

export type DecodeResult = { readonly ok: true; readonly token: DecodedToken } | { readonly ok: false; readonly reason: DecodeFailure };

const base64urlAlphabet = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict base64url: the URL alphabet only, no padding, no impossible length. Undefined when it is not base64url. */
export function decodeBase64url(segment: string): Buffer | undefined {
  if (segment.length % 4 === 1 || !base64urlAlphabet.test(segment)) return undefined;
  return Buffer.from(segment, "base64url");
}

function decodeJsonObject(segment: string): JsonObject | undefined {
  const bytes = decodeBase64url(segment);
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
}

/**
 * Kong's `jwt_parser` decode, in Kong's order: split on the first two dots (fewer than three segments is
 * "invalid JSON"), decode and parse the header and the claims ("invalid JSON"), check `alg` against the supported
 * list ("invalid alg"), then decode the signature ("invalid signature"; a fourth segment lands here).
 */
export function decodeToken(token: string): DecodeResult {
  const firstDot = token.indexOf(".");
  const secondDot = firstDot === -1 ? -1 : token.indexOf(".", firstDot + 1);
  if (secondDot === -1) return { ok: false, reason: "invalid JSON" };
  const headerSegment = token.slice(0, firstDot);
  const payloadSegment = token.slice(firstDot + 1, secondDot);
  const signatureSegment = token.slice(secondDot + 1);
  const header = decodeJsonObject(headerSegment);
  if (header === undefined) return { ok: false, reason: "invalid JSON" };
  const claims = decodeJsonObject(payloadSegment);
  if (claims === undefined) return { ok: false, reason: "invalid JSON" };
  const algorithm = Object.hasOwn(header, "alg") ? header.alg : undefined;
  if (!isSupportedAlgorithm(algorithm)) return { ok: false, reason: "invalid alg" };
  const signature = decodeBase64url(signatureSegment);
  if (signature === undefined) return { ok: false, reason: "invalid signature" };
  return { ok: true, token: { header, claims, algorithm, signingInput: token.slice(0, secondDot), signature } };
}

/** Reads a member only if the object has it as its own property, so `constructor` or `__proto__` never leak in. */
export function ownValue(object: JsonObject, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined;
}
