import type { Consumer, UpstreamRequest } from "./context.js";

/** The upstream headers an authentication plugin owns (Kong's `constants.HEADERS`). */
export const consumerHeaderNames = [
  "x-consumer-id",
  "x-consumer-custom-id",
  "x-consumer-username",
  "x-credential-identifier",
  "x-anonymous-consumer",
] as const;

/**
 * Kong's `set_consumer`, header half: every consumer header is either set from the consumer or removed, so that a
 * client can never smuggle its own copy upstream. `credentialIdentifier` is what the plugin calls the credential
 * (jwt: its key, hmac-auth: its username); undefined means the anonymous consumer.
 */
export function setConsumerHeaders(upstream: UpstreamRequest, consumer: Consumer, credentialIdentifier: string | undefined): void {
  upstream.setHeader("x-consumer-id", consumer.id);
  if (consumer.customId === undefined) upstream.removeHeader("x-consumer-custom-id");
  else upstream.setHeader("x-consumer-custom-id", consumer.customId);
  if (consumer.username === undefined) upstream.removeHeader("x-consumer-username");
  else upstream.setHeader("x-consumer-username", consumer.username);
  if (credentialIdentifier === undefined) {
    upstream.removeHeader("x-credential-identifier");
    upstream.setHeader("x-anonymous-consumer", "true");
  } else {
    upstream.setHeader("x-credential-identifier", credentialIdentifier);
    upstream.removeHeader("x-anonymous-consumer");
  }
}

/** Removes every consumer header: for a request let through without identifying anyone. */
export function removeConsumerHeaders(upstream: UpstreamRequest): void {
  for (const name of consumerHeaderNames) upstream.removeHeader(name);
}
