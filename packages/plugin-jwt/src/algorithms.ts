/**
 * The algorithms Kong's jwt plugin accepts, and what each one needs from a key. The header `alg` is compared
 * case-sensitively against this list (RFC 8725bis): `none`, `hs256` or `NONE` are "Bad token; invalid alg".
 */
export const algorithms = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "ES256",
  "ES384",
  "ES512",
  "PS256",
  "PS384",
  "PS512",
  "EdDSA",
] as const;

export type Algorithm = (typeof algorithms)[number];

const supported: ReadonlySet<string> = new Set(algorithms);

export function isSupportedAlgorithm(value: unknown): value is Algorithm {
  return typeof value === "string" && supported.has(value);
}

export function isSymmetric(algorithm: Algorithm): boolean {
  return algorithm.startsWith("HS");
}

/**
 * Algorithms for which Kong's `jwt_secrets` entity check demands a parsable `rsa_public_key`. ES* is absent on
 * purpose, as in Kong: an ES credential without a key loads and answers "Invalid key/secret".
 */
export function requiresPublicKey(algorithm: Algorithm): boolean {
  return algorithm.startsWith("RS") || algorithm.startsWith("PS") || algorithm === "EdDSA";
}

/** The EC curve an ES algorithm is bound to (RFC 7518 §3.4). */
export const curveOf: Readonly<Partial<Record<Algorithm, string>>> = {
  ES256: "P-256",
  ES384: "P-384",
  ES512: "P-521",
};
