// (f) of perf-anchors.md: fast-gateway 5.0.1 with its defaults (restana + fast-proxy-lite over node:http).
import { importFromPeers } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { default: gateway } = await importFromPeers("fast-gateway");
const { host, port, upstream } = targetArguments();
const server = gateway({ routes: [{ prefix: "/api", prefixRewrite: "/api", target: upstream }] });
await server.start(port, host);
announce({ host, port });
exitOnSignal(() => server.close());
