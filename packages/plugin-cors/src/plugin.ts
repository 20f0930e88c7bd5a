import { type ConfigIssue, definePlugin } from "@portcullis/sdk";
import { corsErrors } from "./errors.js";
import { compileOriginPolicy } from "./origin-policy.js";
import { findInvalidOrigins } from "./origin-pattern.js";
import { corsConfigSchema, corsMethods } from "./schema.js";

const allowOriginHeader = "access-control-allow-origin";
const allowCredentialsHeader = "access-control-allow-credentials";
const allowHeadersHeader = "access-control-allow-headers";
const allowMethodsHeader = "access-control-allow-methods";
const maxAgeHeader = "access-control-max-age";
const exposeHeadersHeader = "access-control-expose-headers";
const allowPrivateNetworkHeader = "access-control-allow-private-network";

/** Kong's `kong.ctx.plugin.skip_response_headers`: the preflight was answered (or handed upstream) in access. */
const preflightKey = "corsPreflight";

function joined(values: readonly string[] | null | undefined): string | undefined {
  return values === null || values === undefined || values.length === 0 ? undefined : values.join(",");
}

/**
 * Kong's `cors` plugin: answers preflights in access (before any auth plugin, at priority 2000) and adds the CORS
 * response headers in headerFilter, so they land on every response, a 401 or a 429 included.
 */
export default definePlugin({
  name: "cors",
  version: "0.1.0",
  priority: 2000,
  allowConsumerScope: false,
  configSchema: corsConfigSchema,
  checkConfig(config): ConfigIssue[] {
    return findInvalidOrigins(config.origins).map(({ index, entry }) => ({
      path: `origins[${index}]`,
      message: `'${entry}' is not a valid regex`,
    }));
  },
  create(config, setup) {
    const invalid = findInvalidOrigins(config.origins)[0];
    if (invalid !== undefined) throw corsErrors.ORIGIN_INVALID(String(invalid.index), invalid.entry);

    const policy = compileOriginPolicy({
      origins: config.origins,
      credentials: config.credentials,
      allowAnyOriginWithCredentials: config.allow_any_origin_with_credentials,
    });
    if (config.credentials && policy.allowsAnyOrigin && !config.allow_any_origin_with_credentials) {
      setup.log.warn(
        "cors: credentials are not allowed for a '*' origin (Fetch standard); list the trusted origins, or set allow_any_origin_with_credentials to keep Kong's behaviour",
      );
    }
    const allowMethods = (config.methods ?? corsMethods).join(",");
    const allowHeaders = joined(config.headers);
    const exposeHeaders = joined(config.exposed_headers);
    const maxAge = config.max_age === null || config.max_age === undefined ? undefined : String(config.max_age);
    const { preflight_continue: preflightContinue, private_network: privateNetwork } = config;
    const allowOriginAbsent = config.allow_origin_absent;

    return {
      access(ctx) {
        const request = ctx.request;
        if (request.method !== "OPTIONS") return;
        const origin = request.header("origin");
        if (origin === undefined || origin === "" || request.header("access-control-request-method") === undefined) return;
        ctx.state[preflightKey] = true;
        if (preflightContinue) return;

        const decision = policy.resolve(origin);
        const headers: Record<string, string> = { [allowMethodsHeader]: allowMethods };
        if (decision.allowOrigin !== null) headers[allowOriginHeader] = decision.allowOrigin;
        if (decision.vary) headers.vary = "Origin";
        if (decision.credentials) headers[allowCredentialsHeader] = "true";
        const requestedHeaders = allowHeaders ?? request.header("access-control-request-headers");
        if (requestedHeaders !== undefined) headers[allowHeadersHeader] = requestedHeaders;
        if (maxAge !== undefined) headers[maxAgeHeader] = maxAge;
        if (privateNetwork && request.header("access-control-request-private-network") === "true") {
          headers[allowPrivateNetworkHeader] = "true";
        }
        return ctx.respond(200, undefined, headers);
      },

      headerFilter(ctx) {
        // Only an OPTIONS request can be a preflight; other requests never touch (and so never allocate) ctx.state.
        if (ctx.request.method === "OPTIONS" && ctx.state[preflightKey] === true) return;
        const origin = ctx.request.header("origin") || undefined;
        if (origin === undefined && !allowOriginAbsent) return;
        const decision = policy.resolve(origin);
        const response = ctx.response;
        if (decision.allowOrigin === null) response.removeHeader(allowOriginHeader);
        else response.setHeader(allowOriginHeader, decision.allowOrigin);
        if (decision.vary) response.addHeader("vary", "Origin");
        if (decision.credentials) response.setHeader(allowCredentialsHeader, "true");
        if (exposeHeaders !== undefined) response.setHeader(exposeHeadersHeader, exposeHeaders);
      },
    };
  },
});
