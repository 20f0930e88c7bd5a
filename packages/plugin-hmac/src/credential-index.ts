import { createSecretKey, type KeyObject } from "node:crypto";
import type { Consumer, Credential, Logger } from "@portcullis/sdk";
import { hmacErrors } from "./errors.js";

export const credentialCollection = "hmacauth_credentials";

/** One usable credential: its consumer and its secret imported once as a key object. */
export interface CredentialEntry {
  readonly credential: Credential;
  readonly consumer: Consumer;
  readonly username: string;
  readonly key: KeyObject;
}

const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strictBase64Url = /^[A-Za-z0-9_-]*$/;

function secretBytes(credential: Credential, secret: string): Buffer {
  if (credential.secret_encoding !== "base64") return Buffer.from(secret, "utf8");
  if (strictBase64.test(secret)) return Buffer.from(secret, "base64");
  if (strictBase64Url.test(secret) && secret.length % 4 !== 1) return Buffer.from(secret, "base64url");
  throw hmacErrors.SECRET_INVALID(JSON.stringify(credential.username));
}

/**
 * Indexes the credentials by username, at load, so a request costs one map lookup. A credential whose consumer is
 * gone or that has no secret cannot authenticate anyone: it is skipped with a warning rather than failing the load.
 */
export function indexCredentials(
  credentials: readonly Credential[],
  consumers: readonly Consumer[],
  log: Logger,
): ReadonlyMap<string, CredentialEntry> {
  const consumersById = new Map(consumers.map((consumer) => [consumer.id, consumer]));
  const index = new Map<string, CredentialEntry>();
  for (const credential of credentials) {
    const username = credential.username;
    if (typeof username !== "string") continue;
    if (index.has(username)) throw hmacErrors.DUPLICATE_USERNAME(JSON.stringify(username));
    const consumer = consumersById.get(credential.consumerId);
    if (consumer === undefined) {
      log.warn("hmac-auth: credential skipped, its consumer does not exist", { username, consumerId: credential.consumerId });
      continue;
    }
    if (typeof credential.secret !== "string") {
      log.warn("hmac-auth: credential skipped, it has no secret", { username });
      continue;
    }
    index.set(username, { credential, consumer, username, key: createSecretKey(secretBytes(credential, credential.secret)) });
  }
  return index;
}
