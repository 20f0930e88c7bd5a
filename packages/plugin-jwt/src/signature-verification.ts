import { createHmac, verify as nodeVerify, timingSafeEqual } from "node:crypto";
import type { VerificationKey } from "./key-import.js";
import type { DecodedToken } from "./token-decoding.js";

/**
 * Verifies a decoded token's signature with a key imported at load, synchronously with node:crypto (a one-shot
 * verify on a prepared KeyObject: no WebCrypto thread-pool round trip). The key's one algorithm must equal the
 * token's `alg`. Any failure, including a signature of the wrong length for ES* or PS*, is a plain `false`.
 */
export function verifySignature(token: DecodedToken, key: VerificationKey): boolean {
  // No JWS extension is understood, so a `crit` header (which `b64: false` also needs) is refused (RFC 7515 §4.1.11).
  if (token.algorithm !== key.algorithm || Object.hasOwn(token.header, "crit")) return false;
  const signingInput = Buffer.from(token.signingInput, "latin1");
  try {
    if (key.kind === "hmac") {
      const expected = createHmac(key.hash, key.key).update(signingInput).digest();
      return expected.length === token.signature.length && timingSafeEqual(expected, token.signature);
    }
    return nodeVerify(key.hash, signingInput, key.options, token.signature);
  } catch {
    return false;
  }
}
