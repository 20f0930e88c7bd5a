import { createHash, createHmac } from "node:crypto";
import { type Consumer, definePlugin } from "@portcullis/sdk";
import { type ChainEntry, type ChainResult, type ConsumerFixture, runChain, type TestRequest } from "@portcullis/sdk/testing";
import { hmacAuth } from "../src/plugin.js";

/** The fake clock every plugin test runs on, and the matching Date header. */
export const now = Date.UTC(2026, 0, 1, 0, 0, 0);
export const date = "Thu, 01 Jan 2026 00:00:00 GMT";

const hashes: Record<string, string> = {
  "hmac-sha1": "sha1",
  "hmac-sha256": "sha256",
  "hmac-sha384": "sha384",
  "hmac-sha512": "sha512",
};

/** base64(HMAC(secret, signingString)), computed with node:crypto directly, independent of the plugin's code. */
export function hmacBase64(algorithm: string, signingString: string, secret: string | Buffer = "secret"): string {
  return createHmac(hashes[algorithm]!, secret).update(signingString).digest("base64");
}

export function sha256Digest(body: string): string {
  return `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
}

/** A Kong hmac Authorization value signed over `signingString`. */
export function kongAuthorization(options: {
  readonly username?: string;
  readonly algorithm?: string;
  readonly headers: string;
  readonly signingString: string;
  readonly secret?: string;
}): string {
  const algorithm = options.algorithm ?? "hmac-sha1";
  const signature = hmacBase64(algorithm, options.signingString, options.secret ?? "secret");
  return `hmac username="${options.username ?? "bob"}", algorithm="${algorithm}", headers="${options.headers}", signature="${signature}"`;
}

export const bobId = "11111111-1111-4111-8111-111111111111";
export const noBodyId = "22222222-2222-4222-8222-222222222222";

/** The consumers of Kong's hmac-auth access spec: bob (custom_id 1234) with bob/secret, and the anonymous "no-body". */
export const kongConsumers: ConsumerFixture[] = [
  {
    id: bobId,
    username: "bob",
    customId: "1234",
    credentials: { hmacauth_credentials: [{ username: "bob", secret: "secret" }] },
  },
  { id: noBodyId, username: "no-body" },
];

/** Runs one request through hmac-auth alone, on the fake clock. */
export function runHmac(config: Record<string, unknown>, request: TestRequest, consumers = kongConsumers): Promise<ChainResult> {
  return runChain([{ plugin: hmacAuth, config }], { consumers, now: () => now, request });
}

export function runHmacChain(entries: ChainEntry[], request: TestRequest, consumers: ConsumerFixture[]): Promise<ChainResult> {
  return runChain(entries, { consumers, now: () => now, request });
}

/** The JSON error body Kong's template produces. */
export function message(result: ChainResult): string {
  return result.json<{ message: string }>().message;
}

/**
 * A stand-in for Kong's key-auth (priority 1250, so it runs before hmac-auth): `apikey` header, the same anonymous
 * logic, `WWW-Authenticate: Key realm="kong"`. Only for the multiple-authentication tables.
 */
export const fakeKeyAuth = definePlugin({
  name: "key-auth",
  version: "0.0.0",
  priority: 1250,
  configSchema: {
    type: "object",
    properties: { anonymous: { type: "string", description: "anonymous consumer" } },
    additionalProperties: false,
  },
  credentials: {
    keyauth_credentials: {
      schema: { type: "object", properties: { key: { type: "string" } }, required: ["key"], additionalProperties: false },
    },
  },
  create(config, setup) {
    const keys = new Map(
      (setup.credentials.keyauth_credentials ?? []).map((credential) => [
        credential.key as string,
        { credential, consumer: setup.consumers.find((consumer) => consumer.id === credential.consumerId)! },
      ]),
    );
    const anonymous: Consumer | undefined = config.anonymous === undefined ? undefined : setup.findConsumer(config.anonymous);
    return {
      access(ctx) {
        if (anonymous !== undefined && ctx.credential !== undefined) return;
        const found = keys.get(ctx.request.header("apikey") ?? "");
        const consumer = found?.consumer ?? anonymous;
        if (consumer === undefined) {
          return ctx.error(401, "No API key found in request", { "www-authenticate": 'Key realm="kong"' });
        }
        ctx.authenticate(consumer, found?.credential);
        ctx.upstream.setHeader("x-consumer-id", consumer.id);
        ctx.upstream.setHeader("x-consumer-username", consumer.username ?? "");
        if (found === undefined) ctx.upstream.setHeader("x-anonymous-consumer", "true");
        else ctx.upstream.removeHeader("x-anonymous-consumer");
      },
    };
  },
});
