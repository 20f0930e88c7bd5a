import { once } from "node:events";
import { createServer } from "node:http";
import { createGateway } from "@portcullis/runtime";

/** A tiny upstream standing in for a real service. */
function startUpstream(port) {
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ upstream: true, path: request.url }));
  });
  return once(server.listen(port, "127.0.0.1"), "listening").then(() => server);
}

export async function start(port = 8000, upstreamPort = 3000) {
  const upstream = await startUpstream(upstreamPort);
  const gateway = await createGateway({
    config: {
      _format_version: "3.0",
      services: [{ name: "orders", url: `http://127.0.0.1:${upstream.address().port}`, routes: [{ name: "orders", paths: ["/orders"] }] }],
      plugins: [{ name: "rate-limiting", config: { minute: 2, policy: "local" } }],
    },
    logger: { level: "warn" },
  });
  const server = createServer(gateway.handler);
  await once(server.listen(port, "127.0.0.1"), "listening");
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start(Number(process.env.PORT ?? 8000), Number(process.env.UPSTREAM_PORT ?? 3000));
  console.log(`Portcullis proxy on ${url}: GET ${url}/orders (2 requests a minute)`);
}
