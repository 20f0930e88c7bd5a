import {
  type AccessContext,
  type Consumer,
  definePlugin,
  type ErrorCode,
  type HeaderValue,
  type InferConfig,
  type PluginInstance,
  removeConsumerHeaders,
  setConsumerHeaders,
} from "@portcullis/sdk";
import type { Algorithm } from "./algorithms.js";
import { applyClaimHeaders, createClaimHeaderMapping } from "./claim-headers.js";
import { type ClaimErrors, checkClaims, createClaimPolicy } from "./claim-checks.js";
import { checkJwtConfig } from "./config-checks.js";
import { buildCredentialIndex, type CredentialEntry } from "./credential-index.js";
import { jwtErrors } from "./errors.js";
import { JwksSource } from "./jwks-source.js";
import type { VerificationKey } from "./key-import.js";
import { configSchema, credentialSchema } from "./schema.js";
import { verifySignature } from "./signature-verification.js";
import { decodeToken, type JsonObject, ownValue } from "./token-decoding.js";
import { createTokenSources, findToken } from "./token-extraction.js";
import { VerifiedTokenCache } from "./verified-token-cache.js";

declare module "@portcullis/sdk" {
  interface SharedState {
    /** The raw token the jwt plugin authenticated (Kong's `kong.ctx.shared.authenticated_jwt_token`). */
    authenticatedJwtToken?: string;
  }
}

export type JwtConfig = InferConfig<typeof configSchema>;

/** A refusal decided at load where possible: status 401, Kong's compact exit body, its WWW-Authenticate. */
interface Failure {
  readonly code: string;
  readonly body: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, HeaderValue>> | undefined;
}

interface Success {
  readonly entry: CredentialEntry;
  readonly consumer: Consumer;
  readonly claims: JsonObject;
  readonly token: string;
}

interface CachedVerification {
  readonly entry: CredentialEntry;
  readonly claims: JsonObject;
  /** The JWK Set generation the signature was checked against; 0 for static keys. */
  readonly generation: number;
}

const noHeaders = Object.freeze({});

export const jwt = definePlugin({
  name: "jwt",
  version: "1.0.0",
  priority: 1450,
  allowConsumerScope: false,
  configSchema,
  credentials: { jwt_secrets: { schema: credentialSchema, identifier: "key" } },
  checkConfig: checkJwtConfig,
  async create(config, setup): Promise<PluginInstance> {
    const sources = createTokenSources(config);
    const policy = createClaimPolicy(config);
    const claimHeaders = createClaimHeaderMapping(config.claims_to_headers);
    const keyClaimName = config.key_claim_name;
    const maximumTokenLength = config.maximum_token_length;
    const runOnPreflight = config.run_on_preflight;
    const now = setup.now;

    let anonymousConsumer: Consumer | undefined;
    if (config.anonymous != null) {
      anonymousConsumer = setup.findConsumer(config.anonymous);
      if (anonymousConsumer === undefined) throw jwtErrors.ANONYMOUS_NOT_FOUND(config.anonymous);
    }

    const jwksSources = new Map<string, { source: JwksSource; algorithms: Set<Algorithm> }>();
    const index = await buildCredentialIndex(setup.credentials.jwt_secrets ?? [], {
      secretIsBase64: config.secret_is_base64,
      configJwksUri: config.jwks_uri ?? undefined,
      findConsumer: setup.findConsumer,
      warn: (message, fields) => setup.log.warn(message, fields),
      jwksSource(uri, algorithm) {
        let registered = jwksSources.get(uri);
        if (registered === undefined) {
          const algorithms = new Set<Algorithm>();
          const source = new JwksSource({
            uri,
            algorithms,
            timeoutMs: config.jwks_timeout,
            refreshIntervalMs: config.jwks_refresh_interval * 1000,
            minRefreshIntervalMs: config.jwks_min_refresh_interval * 1000,
            now,
            log: setup.log,
          });
          jwksSources.set(uri, (registered = { source, algorithms }));
        }
        registered.algorithms.add(algorithm);
        return registered.source;
      },
    });
    for (const { source } of jwksSources.values()) source.start();
    if (config.jwks_uri != null && !jwksSources.has(config.jwks_uri)) {
      setup.log.info("jwt jwks_uri is not used: every asymmetric credential has its own key", { uri: config.jwks_uri });
    }

    const cache =
      config.cache_size > 0 ? new VerifiedTokenCache<CachedVerification>(config.cache_size) : undefined;

    // Every refusal body and header is built here, once.
    const challenge = config.realm == null ? "Bearer" : `Bearer realm="${config.realm}"`;
    const challengeWithError = config.realm == null ? 'Bearer error="invalid_token"' : `${challenge}, error="invalid_token"`;
    const baseHeaders = Object.freeze({ "www-authenticate": challenge });
    const errorHeaders = Object.freeze({ "www-authenticate": challengeWithError });
    const failure = (code: ErrorCode, headers: Failure["headers"], ...args: string[]): Failure => {
      const error = code(...args);
      return Object.freeze({ code: error.code, body: Object.freeze({ message: error.message }), headers });
    };
    const failures = {
      missing: failure(jwtErrors.TOKEN_MISSING, baseHeaders),
      multiple: failure(jwtErrors.MULTIPLE_TOKENS, errorHeaders),
      unrecognizable: failure(jwtErrors.TOKEN_UNRECOGNIZABLE, errorHeaders),
      tooLarge: failure(jwtErrors.TOKEN_TOO_LARGE, errorHeaders),
      "invalid JSON": failure(jwtErrors.TOKEN_INVALID_JSON, errorHeaders),
      "invalid alg": failure(jwtErrors.TOKEN_INVALID_ALG, errorHeaders),
      "invalid signature": failure(jwtErrors.TOKEN_INVALID_SIGNATURE_ENCODING, errorHeaders),
      keyClaimMissing: failure(jwtErrors.KEY_CLAIM_MISSING, errorHeaders, keyClaimName),
      keyClaimInvalid: failure(jwtErrors.KEY_CLAIM_INVALID, errorHeaders, keyClaimName),
      credentialNotFound: failure(jwtErrors.CREDENTIAL_NOT_FOUND, errorHeaders, keyClaimName),
      algorithmMismatch: failure(jwtErrors.ALGORITHM_MISMATCH, errorHeaders),
      keyInvalid: failure(jwtErrors.KEY_INVALID, errorHeaders),
      signatureInvalid: failure(jwtErrors.SIGNATURE_INVALID, errorHeaders),
    };
    const consumerMissing = new Map<string, Failure>();
    for (const entry of index.values()) {
      if (entry.consumer === undefined) {
        consumerMissing.set(entry.key, failure(jwtErrors.CONSUMER_NOT_FOUND, undefined, keyClaimName, entry.key));
      }
    }
    const claimsFailure = (errors: ClaimErrors): Failure => ({ code: jwtErrors.CLAIMS_INVALID.code, body: errors, headers: errorHeaders });

    const nowSeconds = () => Math.floor(now() / 1000);

    const finish = (entry: CredentialEntry, claims: JsonObject, token: string): Success | Failure => {
      const errors = checkClaims(claims, policy, nowSeconds());
      if (errors !== undefined) return claimsFailure(errors);
      if (entry.consumer === undefined) return consumerMissing.get(entry.key)!;
      return { entry, consumer: entry.consumer, claims, token };
    };

    // Synchronous on purpose: every key is in memory (JWKS refresh runs in the background), so a request never waits
    // on a promise, and the runtime moves on to the next plugin without a microtask hop.
    const authenticate = (ctx: AccessContext): Success | Failure => {
      const lookup = findToken(ctx.request, sources);
      if (lookup.kind === "none") return failures.missing;
      if (lookup.kind === "multiple") return failures.multiple;
      if (lookup.kind === "unrecognizable") return failures.unrecognizable;
      const token = lookup.token;
      if (token.length > maximumTokenLength) return failures.tooLarge;

      const cached = cache?.get(token);
      if (cached !== undefined) {
        const binding = cached.entry.binding;
        if (binding.kind !== "jwks" || binding.source.generation === cached.generation) {
          return finish(cached.entry, cached.claims, token);
        }
        cache?.delete(token);
      }

      const decoded = decodeToken(token);
      if (!decoded.ok) return failures[decoded.reason];
      const { header, claims, algorithm } = decoded.token;

      let keyValue = ownValue(claims, keyClaimName);
      // Lua's `claims[name] or header[name]`: nil and false fall through to the header.
      if (keyValue === undefined || keyValue === null || keyValue === false) keyValue = ownValue(header, keyClaimName);
      if (keyValue === undefined || keyValue === null || keyValue === false) return failures.keyClaimMissing;
      if (typeof keyValue !== "string" || keyValue === "") return failures.keyClaimInvalid;

      const entry = index.get(keyValue);
      if (entry === undefined) return failures.credentialNotFound;
      if (algorithm !== entry.algorithm) return failures.algorithmMismatch;

      let key: VerificationKey | undefined;
      let generation = 0;
      const binding = entry.binding;
      if (binding.kind === "static") key = binding.key;
      else if (binding.kind === "none") return failures.keyInvalid;
      else {
        const kid = ownValue(header, "kid");
        generation = binding.source.generation;
        key = binding.source.find(typeof kid === "string" ? kid : undefined, algorithm);
        if (key === undefined) return failures.signatureInvalid;
      }

      if (!verifySignature(decoded.token, key)) return failures.signatureInvalid;
      cache?.set(token, { entry, claims, generation });
      return finish(entry, claims, token);
    };

    return {
      access(ctx) {
        if (!runOnPreflight && ctx.request.method === "OPTIONS") {
          // Nobody is identified on this path; a client-sent identity header must not pass for one.
          if (ctx.consumer === undefined) removeConsumerHeaders(ctx.upstream);
          return;
        }
        // Logical OR: an earlier auth plugin already identified the client.
        if (anonymousConsumer !== undefined && ctx.credential !== undefined) return;

        const outcome = authenticate(ctx);
        if ("entry" in outcome) {
          ctx.authenticate(outcome.consumer, outcome.entry.credential);
          setConsumerHeaders(ctx.upstream, outcome.consumer, outcome.entry.key);
          if (claimHeaders.length > 0) applyClaimHeaders(ctx.upstream, claimHeaders, outcome.claims);
          ctx.shared.authenticatedJwtToken = outcome.token;
          return;
        }
        ctx.log.debug("jwt authentication failed", { code: outcome.code });
        if (anonymousConsumer !== undefined) {
          ctx.authenticate(anonymousConsumer);
          setConsumerHeaders(ctx.upstream, anonymousConsumer, undefined);
          if (claimHeaders.length > 0) applyClaimHeaders(ctx.upstream, claimHeaders, undefined);
          ctx.shared.authenticatedJwtToken = undefined;
          return;
        }
        return ctx.respond(401, outcome.body, outcome.headers ?? noHeaders);
      },
      close() {
        for (const { source } of jwksSources.values()) source.close();
        cache?.clear();
      },
    };
  },
});

export default jwt;
