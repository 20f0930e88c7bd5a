import { createGateway } from "@portcullis/runtime";
import portcullis from "@portcullis/runtime/fastify";
import Fastify from "fastify";

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
  const app = Fastify();
  await app.register(portcullis, { gateway });
  app.get("/api/hello", async (request) => ({ hello: request.headers["x-consumer-username"] }));
  app.get("/health", async () => "ok");
  await app.listen({ port, host: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${app.server.address().port}`,
    async stop() {
      await app.close();
      await gateway.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start(Number(process.env.PORT ?? 3000));
  console.log(`Fastify app with Portcullis on ${url}: GET /api/hello needs a Bearer JWT, GET /health does not`);
}
