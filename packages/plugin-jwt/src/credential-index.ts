import type { Consumer, Credential } from "@portcullis/sdk";
import { type Algorithm, isSupportedAlgorithm, isSymmetric, requiresPublicKey } from "./algorithms.js";
import { isHttpUrl } from "./config-checks.js";
import { jwtErrors } from "./errors.js";
import type { JwksSource } from "./jwks-source.js";
import { importPublicKeyPem, importSecret, type VerificationKey } from "./key-import.js";

/** Where a credential's verification key comes from. */
export type KeyBinding =
  | { readonly kind: "static"; readonly key: VerificationKey }
  | { readonly kind: "jwks"; readonly source: JwksSource }
  /** No usable key: Kong's runtime "Invalid key/secret" (an ES* credential without a key, a non-base64 secret). */
  | { readonly kind: "none"; readonly reason: string };

export interface CredentialEntry {
  readonly credential: Credential;
  readonly key: string;
  readonly algorithm: Algorithm;
  readonly consumer: Consumer | undefined;
  readonly binding: KeyBinding;
}

export interface CredentialIndexOptions {
  readonly secretIsBase64: boolean;
  /** The config-level JWK Set, used by asymmetric credentials with neither a PEM key nor their own `jwks_uri`. */
  readonly configJwksUri: string | undefined;
  findConsumer(id: string): Consumer | undefined;
  /** Returns the one shared source for a URI, registering the algorithm it must import keys for. */
  jwksSource(uri: string, algorithm: Algorithm): JwksSource;
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/** How a credential is named in load errors: the runtime does not hand plugins the declarative path. */
export function describeCredential(credential: Credential, consumer: Consumer | undefined): string {
  const key = typeof credential.key === "string" ? credential.key : credential.id;
  return `jwt_secrets[key=${JSON.stringify(key)}] of consumer '${consumer?.username ?? credential.consumerId}'`;
}

function invalid(where: string, field: string, reason: string): never {
  throw jwtErrors.CREDENTIAL_INVALID(`${where}: ${field}: ${reason}`);
}

async function bindKey(
  credential: Credential,
  algorithm: Algorithm,
  where: string,
  options: CredentialIndexOptions,
): Promise<KeyBinding> {
  if (isSymmetric(algorithm)) {
    if (typeof credential.secret !== "string") return invalid(where, "secret", `required field missing for ${algorithm}`);
    const imported = importSecret(credential.secret, algorithm, options.secretIsBase64);
    if (imported.ok) return { kind: "static", key: imported.key };
    options.warn("jwt credential secret unusable; its tokens get 'Invalid key/secret'", { credential: where, reason: imported.reason });
    return { kind: "none", reason: imported.reason };
  }
  if (typeof credential.rsa_public_key === "string") {
    const imported = importPublicKeyPem(credential.rsa_public_key, algorithm);
    if (!imported.ok) return invalid(where, "rsa_public_key", imported.reason);
    return { kind: "static", key: imported.key };
  }
  const jwksUri = typeof credential.jwks_uri === "string" ? credential.jwks_uri : options.configJwksUri;
  if (typeof credential.jwks_uri === "string" && !isHttpUrl(credential.jwks_uri)) {
    return invalid(where, "jwks_uri", "must be an http or https URL");
  }
  if (jwksUri !== undefined) return { kind: "jwks", source: options.jwksSource(jwksUri, algorithm) };
  if (requiresPublicKey(algorithm)) return invalid(where, "rsa_public_key", `required field missing for ${algorithm}`);
  return { kind: "none", reason: `no rsa_public_key for ${algorithm}` };
}

/**
 * Builds the in-memory index `key → credential`, importing every key once. Refuses at load what Kong's entity
 * checks refuse (an RS*, PS* or EdDSA credential without a parsable `rsa_public_key`), plus duplicate keys, keys
 * that do not fit their algorithm and HS* credentials without a secret.
 */
export async function buildCredentialIndex(
  credentials: readonly Credential[],
  options: CredentialIndexOptions,
): Promise<Map<string, CredentialEntry>> {
  const index = new Map<string, CredentialEntry>();
  for (const credential of credentials) {
    const consumer = options.findConsumer(credential.consumerId);
    const where = describeCredential(credential, consumer);
    const key = credential.key;
    if (typeof key !== "string" || key === "") invalid(where, "key", "required field missing");
    if (index.has(key)) invalid(where, "key", "duplicate key: another jwt_secrets credential already uses it");
    const algorithm = credential.algorithm ?? "HS256";
    if (!isSupportedAlgorithm(algorithm)) invalid(where, "algorithm", `unsupported algorithm ${String(algorithm)}`);
    const binding = await bindKey(credential, algorithm, where, options);
    index.set(key, { credential, key, algorithm, consumer, binding });
  }
  return index;
}
