// (g) of perf-anchors.md: fastify with @fastify/http-proxy (undici through @fastify/reply-from), logger off.
// With --plugins it does the work of the gateway's jwt + rate-limiting + cors chain with fastify's own plugins:
// CORS headers, an HS256 check of the bench token, a per-user limit far above the load, the user sent upstream.
import { benchToken, jwtKey, jwtSecret, origin, rateLimitingConfig } from "../lib/gateway-configs.mjs";
import { importFromPeers } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { default: Fastify } = await importFromPeers("fastify");
const { default: httpProxy } = await importFromPeers("@fastify/http-proxy");
const { host, port, upstream, plugins } = targetArguments();
const app = Fastify({ logger: false });
let proxyOptions = {};
if (plugins) {
  const { default: cors } = await importFromPeers("@fastify/cors");
  const { default: jwt } = await importFromPeers("@fastify/jwt");
  const { default: rateLimit } = await importFromPeers("@fastify/rate-limit");
  await app.register(cors, { origin: [origin], credentials: true, allowedHeaders: ["Authorization", "Content-Type"] });
  await app.register(jwt, { secret: jwtSecret, verify: { algorithms: ["HS256"], allowedIss: jwtKey } });
  // Hooks run in the order they are added: authenticate first, so that the limit counts per user.
  app.addHook("onRequest", async (request) => {
    await request.jwtVerify();
  });
  await app.register(rateLimit, { max: rateLimitingConfig.second, timeWindow: 1000, keyGenerator: (request) => request.user?.sub ?? request.ip });
  proxyOptions = {
    replyOptions: {
      rewriteRequestHeaders: (request, headers) => ({ ...headers, "x-consumer-username": request.user.sub, "x-credential-identifier": request.user.iss }),
    },
  };
}
await app.register(httpProxy, { upstream, prefix: "/api", rewritePrefix: "/api", ...proxyOptions });
if (plugins) {
  // The bench token must pass (a misconfigured peer answering 401 would look fast); this path is not proxied.
  const probe = await app.inject({ method: "GET", url: "/probe", headers: { authorization: `Bearer ${benchToken()}`, origin } });
  if (probe.statusCode !== 404) throw new Error(`fastify --plugins answered the bench token with ${probe.statusCode}: ${probe.body}`);
}
await app.listen({ host, port });
announce({ host, port });
exitOnSignal(() => app.close());
