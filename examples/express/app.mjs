import { once } from "node:events";
import { createGateway } from "@portcullis/runtime";
import express from "express";

// The app is the upstream: /api needs a JWT and is rate limited; every other path is the app's alone.
const config = {
  _format_version: "3.0",
  routes: [{ name: "api", paths: ["/api"], plugins: [{ name: "jwt" }, { name: "rate-limiting", config: { minute: 60, policy: "local" } }] }],
  plugins: [{ name: "cors", config: { origins: ["https://app.example.com"] } }],
  // A demo secret; read real ones from the environment with ${JWT_SECRET}.
  consumers: [{ username: "alice", jwt_secrets: [{ key: "alice-issuer", secret: "example-secret" }] }],
};

export async function start(port = 3000) {
  const gateway = await createGateway({ config, logger: { level: "warn" } });
  const app = express();
  app.use(gateway.middleware());
  app.get("/api/hello", (request, response) => {
    response.json({ hello: request.headers["x-consumer-username"] });
  });
  app.get("/health", (_request, response) => {
    response.send("ok");
  });
  const server = app.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await gateway.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start(Number(process.env.PORT ?? 3000));
  console.log(`Express app with Portcullis on ${url}: GET /api/hello needs a Bearer JWT, GET /health does not`);
}
