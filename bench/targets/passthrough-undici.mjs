// (d) of perf-anchors.md: the leanest Node proxy we know, a node:http server streaming through undici Pool.stream
// with hop-by-hop headers removed. It is the bar the gateway is held to: the same proxying work, no features.
// With --chain-headers it also sends the headers the jwt + rate-limiting + cors chain adds, still with no logic.
import { createServer } from "node:http";
import { Writable } from "node:stream";
import { chainHeaders } from "../lib/gateway-configs.mjs";
import { importFromRuntime } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { Pool } = await importFromRuntime("undici");
const { host, port, upstream, chainHeaders: withChainHeaders } = targetArguments();
// The bare pass-through's path stays exactly as it was: the extra headers are a branch it never takes.
const pool = new Pool(upstream, { connections: 128 });

const hopByHop = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-authenticate"]);

function forwardable(rawHeaders) {
  const headers = {};
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index].toLowerCase();
    if (!hopByHop.has(name)) headers[name] = rawHeaders[index + 1];
  }
  return headers;
}

const server = createServer((request, response) => {
  const hasBody = request.headers["content-length"] !== undefined || request.headers["transfer-encoding"] !== undefined;
  pool.stream(
    { path: request.url, method: request.method, headers: withChainHeaders ? Object.assign(forwardable(request.rawHeaders), chainHeaders.upstream) : forwardable(request.rawHeaders), body: hasBody ? request : undefined },
    ({ statusCode, headers }) => {
      const outgoing = {};
      for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) outgoing[name] = value;
      response.writeHead(statusCode, withChainHeaders ? Object.assign(outgoing, chainHeaders.response) : outgoing);
      return new Writable({
        write(chunk, _encoding, callback) {
          if (response.write(chunk)) callback();
          else response.once("drain", callback);
        },
        final(callback) {
          response.end();
          callback();
        },
      });
    },
    (error) => {
      if (error === null) return;
      if (!response.headersSent) response.writeHead(502);
      response.end();
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => announce({ host, port }));
exitOnSignal(() => pool.close());
