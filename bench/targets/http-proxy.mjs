// (h) of perf-anchors.md: http-proxy 1.18.1 with an explicit keep-alive Agent (without one it opens a connection
// per request, which would measure connection set-up rather than proxying).
import { Agent, createServer } from "node:http";
import { importFromPeers } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { default: httpProxy } = await importFromPeers("http-proxy");
const { host, port, upstream } = targetArguments();
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target: upstream, agent });
proxy.on("error", (_error, _request, response) => {
  if (!response.headersSent) response.writeHead(502);
  response.end();
});
const server = createServer((request, response) => proxy.web(request, response));
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => announce({ host, port }));
exitOnSignal(() => agent.destroy());
