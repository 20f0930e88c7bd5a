// (g) of perf-anchors.md: fastify with @fastify/http-proxy (undici through @fastify/reply-from), logger off.
import { importFromPeers } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { default: Fastify } = await importFromPeers("fastify");
const { default: httpProxy } = await importFromPeers("@fastify/http-proxy");
const { host, port, upstream } = targetArguments();
const app = Fastify({ logger: false });
await app.register(httpProxy, { upstream, prefix: "/api", rewritePrefix: "/api" });
await app.listen({ host, port });
announce({ host, port });
exitOnSignal(() => app.close());
