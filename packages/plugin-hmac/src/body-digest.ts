import { createHash } from "node:crypto";
import { type Item, parseDictionary } from "./structured-fields.js";

/** Kong's `Digest` header value for `body`: `SHA-256=<base64>` (RFC 3230 style). */
export function kongDigest(body: string | Uint8Array): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

export type ContentDigestAlgorithm = "sha-256" | "sha-512";

const hashNames: Readonly<Record<ContentDigestAlgorithm, string>> = { "sha-256": "sha256", "sha-512": "sha512" };

/** An RFC 9530 `Content-Digest` value for `body`, e.g. `sha-256=:<base64>:`. */
export function contentDigest(body: string | Uint8Array, algorithms: readonly ContentDigestAlgorithm[] = ["sha-256"]): string {
  return algorithms.map((algorithm) => `${algorithm}=:${createHash(hashNames[algorithm]).update(body).digest("base64")}:`).join(", ");
}

/**
 * Kong's check: without a `Digest` header only an empty body passes; otherwise the header must equal
 * `SHA-256=<base64 of sha256(body)>` exactly. A digest of public data is not secret, so a plain comparison is fine.
 */
export function kongDigestMatches(header: string | undefined, body: Buffer): boolean {
  if (header === undefined) return body.length === 0;
  return header === kongDigest(body);
}

/**
 * RFC 9530: every supported algorithm (sha-256, sha-512) present must match, at least one must be present, and
 * unknown algorithms are ignored. A malformed field never matches.
 */
export function contentDigestMatches(header: string | undefined, body: Buffer): boolean {
  if (header === undefined) return false;
  const dictionary = parseDictionary(header);
  if (dictionary === undefined) return false;
  let checked = 0;
  for (const algorithm of ["sha-256", "sha-512"] as const) {
    const member = dictionary.get(algorithm);
    if (member === undefined) continue;
    if (member.kind !== "item" || (member as Item).value.type !== "bytes") return false;
    const expected = createHash(hashNames[algorithm]).update(body).digest();
    if (!expected.equals(member.value.value as Buffer)) return false;
    checked++;
  }
  return checked > 0;
}
