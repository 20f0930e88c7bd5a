// The gateway configs the bench measures and the credentials wrk sends. Limits are set far above what one core
// can reach, so rate-limiting always counts and never refuses.
import { createHmac } from "node:crypto";

export const origin = "http://localhost:3000";
export const jwtKey = "bench-issuer";
export const jwtSecret = "bench-secret-0123456789abcdef0123456789abcdef";
const hmacUsername = "bench-hmac";
const hmacSecret = "bench-hmac-secret-0123456789abcdef";

/** An HS256 token valid for a day, signed the way the demo signs its own. */
export function benchToken(now = Date.now()) {
  const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const seconds = Math.floor(now / 1000);
  const payload = Buffer.from(JSON.stringify({ iss: jwtKey, sub: "bench-user", iat: seconds, exp: seconds + 86_400 })).toString("base64url");
  const signature = createHmac("sha256", jwtSecret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/**
 * Kong's hmac-auth over `date` and `request-line`: the signature is made once, with the date of the bench start;
 * the config's clock_skew covers the whole run, so the same header stays valid.
 */
export function benchHmacHeaders(signKongRequest, path, now = new Date()) {
  const { authorization, date } = signKongRequest({
    username: hmacUsername,
    secret: hmacSecret,
    algorithm: "hmac-sha256",
    method: "GET",
    path,
    headerNames: ["date", "request-line"],
    now,
  });
  return { authorization, date };
}

export const rateLimitingConfig = { second: 100_000_000, policy: "local", limit_by: "consumer" };
export const corsConfig = { origins: [origin], credentials: true, headers: ["Authorization", "Content-Type"] };

const consumers = [
  {
    username: "bench-user",
    jwt_secrets: [{ key: jwtKey, secret: jwtSecret, algorithm: "HS256" }],
    hmacauth_credentials: [{ username: hmacUsername, secret: hmacSecret }],
  },
];

function service(upstreamUrl, plugins) {
  return {
    _format_version: "3.0",
    services: [
      {
        name: "bench-upstream",
        url: upstreamUrl,
        routes: [{ name: "api", paths: ["/api"], strip_path: false, ...(plugins.length === 0 ? {} : { plugins }) }],
      },
    ],
    ...(plugins.length === 0 ? {} : { consumers }),
  };
}

export const authPlugins = {
  jwt: { name: "jwt", config: { claims_to_verify: ["exp"] } },
  hmac: { name: "hmac-auth", config: { clock_skew: 3600, enforce_headers: ["date", "request-line"] } },
};

export function gatewayConfig(upstreamUrl, variant) {
  if (variant === "none") return service(upstreamUrl, []);
  const auth = variant === "hmac" ? authPlugins.hmac : authPlugins.jwt;
  return service(upstreamUrl, [auth, { name: "rate-limiting", config: rateLimitingConfig }, { name: "cors", config: corsConfig }]);
}

/** For `gateway.middleware()`: plugins only, applied to every request the host app receives. */
export function middlewareConfig() {
  return {
    _format_version: "3.0",
    plugins: [authPlugins.jwt, { name: "rate-limiting", config: rateLimitingConfig }, { name: "cors", config: corsConfig }],
    consumers,
  };
}

/**
 * What the gateway with jwt + rate-limiting + cors adds to one bench exchange, as constant values: the upstream
 * request's forwarding and consumer headers, and the response's rate-limit, CORS and request-id headers. The
 * pass-through with `--chain-headers` sends exactly these and does nothing else, which measures what the headers
 * alone cost node:http and undici: the floor under any gateway that runs these plugins.
 */
export const chainHeaders = {
  upstream: {
    "x-forwarded-for": "127.0.0.1",
    "x-forwarded-proto": "http",
    "x-forwarded-host": "127.0.0.1",
    "x-forwarded-port": "8000",
    "x-forwarded-path": "/api/hello",
    "x-request-id": "0123456789abcdef0123456789abcdef",
    via: "1.1 portcullis",
    "x-consumer-id": "4d1a9c5e-6b1f-5a0e-9f3e-2b7c8d9e0f1a",
    "x-consumer-username": "bench-user",
    "x-credential-identifier": jwtKey,
  },
  response: {
    "x-ratelimit-limit-second": "100000000",
    "x-ratelimit-remaining-second": "99999999",
    "ratelimit-limit": "100000000",
    "ratelimit-remaining": "99999999",
    "ratelimit-reset": "1",
    "access-control-allow-origin": origin,
    vary: "Origin",
    "access-control-allow-credentials": "true",
    "x-request-id": "0123456789abcdef0123456789abcdef",
  },
};
