import { type AccessContext, type Consumer, definePlugin, type Exit, setConsumerHeaders } from "@portcullis/sdk";
import { credentialCollection, indexCredentials } from "./credential-index.js";
import { hmacErrors } from "./errors.js";
import { verifyKongSignature } from "./kong-verifier.js";
import { ReplayCache } from "./replay-cache.js";
import { verifyRfc9421Signature } from "./rfc9421-verifier.js";
import { checkConfig, configSchema, credentialSchema } from "./schema.js";
import { isFailure, type Outcome, type VerificationSettings } from "./verification.js";

const hashNames: Readonly<Record<string, string>> = {
  "hmac-sha1": "sha1",
  "hmac-sha256": "sha256",
  "hmac-sha384": "sha384",
  "hmac-sha512": "sha512",
};

/**
 * `hmac-auth`: Kong's HMAC authentication (draft-cavage style `Authorization: hmac …`), plus RFC 9421 HTTP Message
 * Signatures with `hmac-sha256`. Priority 1030, as in Kong.
 */
export const hmacAuth = definePlugin({
  name: "hmac-auth",
  version: "0.1.0",
  priority: 1030,
  allowConsumerScope: false,
  configSchema,
  credentials: { [credentialCollection]: { schema: credentialSchema, identifier: "username" } },
  checkConfig,
  create(config, setup) {
    const credentials = indexCredentials(setup.credentials[credentialCollection] ?? [], setup.consumers, setup.log);
    let anonymous: Consumer | undefined;
    if (config.anonymous !== undefined && config.anonymous !== null) {
      anonymous = setup.findConsumer(config.anonymous);
      if (anonymous === undefined) throw hmacErrors.ANONYMOUS_NOT_FOUND(config.anonymous);
    }
    const settings: VerificationSettings = {
      credentials,
      clockSkewSeconds: config.clock_skew,
      hashByAlgorithm: new Map(config.algorithms.map((algorithm) => [algorithm, hashNames[algorithm]!])),
      enforceHeaders: [...config.enforce_headers],
      requiredComponents: [...config.rfc9421_required_components],
      hideCredentials: config.hide_credentials,
      validateRequestBody: config.validate_request_body,
      maxBodySize: config.max_body_size,
      now: setup.now,
    };
    const acceptsKong = config.signature_formats.includes("kong");
    const acceptsRfc9421 = config.signature_formats.includes("rfc9421");
    const challenge = {
      "www-authenticate": config.realm === undefined || config.realm === null ? "hmac" : `hmac realm="${config.realm}"`,
    };
    const replayCache = config.replay_protection
      ? new ReplayCache({ clockSkewSeconds: config.clock_skew, maxEntries: config.replay_cache_size, now: setup.now })
      : undefined;

    const verify = (ctx: AccessContext): Outcome | Promise<Outcome> => {
      const headers = ctx.request.headers;
      if (acceptsRfc9421 && (headers["signature-input"] !== undefined || headers.signature !== undefined)) {
        return verifyRfc9421Signature(ctx, settings);
      }
      if (acceptsKong && (headers.authorization !== undefined || headers["proxy-authorization"] !== undefined)) {
        return verifyKongSignature(ctx, settings);
      }
      return hmacErrors.UNAUTHORIZED;
    };

    const conclude = (ctx: AccessContext, verified: Outcome): Exit | undefined => {
      let outcome = verified;
      if (!isFailure(outcome) && replayCache !== undefined && !replayCache.claim(outcome.replayKey)) {
        outcome = hmacErrors.SIGNATURE_REPLAYED;
      }
      if (!isFailure(outcome)) {
        ctx.authenticate(outcome.entry.consumer, outcome.entry.credential);
        setConsumerHeaders(ctx.upstream, outcome.entry.consumer, outcome.entry.credential.username as string);
        return undefined;
      }
      ctx.log.info("hmac-auth: authentication failed", { code: outcome.code });
      if (anonymous !== undefined && outcome.status === 401) {
        ctx.authenticate(anonymous);
        setConsumerHeaders(ctx.upstream, anonymous, undefined);
        return undefined;
      }
      return ctx.error(outcome.status, outcome.template, outcome.status === 401 ? challenge : undefined);
    };

    return {
      access(ctx) {
        // Logical OR: an earlier auth plugin already identified the client, and set the consumer headers.
        if (anonymous !== undefined && ctx.credential !== undefined) return;
        // Only a body digest needs to wait (for the body); everything else is answered without a microtask hop.
        const outcome = verify(ctx);
        return outcome instanceof Promise ? outcome.then((verified) => conclude(ctx, verified)) : conclude(ctx, outcome);
      },
      close() {
        replayCache?.clear();
      },
    };
  },
});

export default hmacAuth;
