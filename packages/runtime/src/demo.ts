import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { createAdminServer } from "./admin.js";
import { createGateway, type Gateway } from "./gateway.js";
import type { LoggerOptions, RuntimeLogger } from "./logger.js";
import { type ListenAddress, listen, serveGateway } from "./server.js";

export const demoConfigPath = fileURLToPath(new URL("../demo/gateway.yaml", import.meta.url));

export interface DemoCommand {
  readonly description: string;
  readonly command: string;
  readonly expectedStatus: number;
}

export interface Demo {
  readonly gateway: Gateway;
  readonly gatewayUrl: string;
  readonly upstreamUrl: string;
  readonly adminUrl: string | undefined;
  readonly token: string;
  readonly commands: readonly DemoCommand[];
  /** The banner `portcullis demo` prints. */
  readonly banner: string;
  close(): Promise<void>;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

/** An HS256 token for the demo credential; the demo mints it, the jwt plugin verifies it. */
function mintDemoToken(secret: string, issuer: string, lifetimeSeconds: number): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const now = Math.floor(Date.now() / 1000);
  const payload = base64url(JSON.stringify({ iss: issuer, sub: "demo-user", iat: now, exp: now + lifetimeSeconds }));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

function displayHost(address: ListenAddress): string {
  const host = address.host === "0.0.0.0" || address.host === "::" ? "127.0.0.1" : address.host;
  return host.includes(":") ? `[${host}]:${address.port}` : `${host}:${address.port}`;
}

/**
 * Starts a demo upstream and the gateway in front of it with the bundled config (jwt + rate-limiting + cors), and
 * returns ready-to-paste curl commands with a valid token.
 */
export async function startDemo(options: {
  readonly listen?: ListenAddress;
  readonly adminListen?: ListenAddress;
  readonly logger?: RuntimeLogger | LoggerOptions | false;
} = {}): Promise<Demo> {
  const upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.stringify({
        message: "hello from the demo upstream",
        method: request.method,
        path: request.url,
        consumer: request.headers["x-consumer-username"] ?? null,
        bytesReceived: Buffer.concat(chunks).length,
      });
      response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      response.end(body);
    });
  });
  const upstreamAddress = await listen(upstream, { host: "127.0.0.1", port: 0 });
  const upstreamUrl = `http://${displayHost(upstreamAddress)}`;
  const secret = randomBytes(24).toString("hex");
  let gateway: Gateway;
  try {
    gateway = await createGateway({
      config: demoConfigPath,
      env: { ...process.env, DEMO_UPSTREAM_URL: upstreamUrl, DEMO_JWT_SECRET: secret },
      logger: options.logger,
    });
  } catch (error) {
    upstream.close();
    throw error;
  }
  const running = await serveGateway(gateway, options.listen ?? { host: "127.0.0.1", port: 8000 });
  const admin = options.adminListen === undefined ? undefined : createAdminServer(gateway);
  const adminAddress = admin === undefined ? undefined : await listen(admin, options.adminListen!);
  const gatewayUrl = `http://${displayHost(running.address)}`;
  const token = mintDemoToken(secret, "demo-issuer", 24 * 3600);
  const commands: DemoCommand[] = [
    { description: "A public route, no plugins:", command: `curl -i ${gatewayUrl}/public/hello`, expectedStatus: 200 },
    { description: "The API without a token is refused by jwt:", command: `curl -i ${gatewayUrl}/api/orders`, expectedStatus: 401 },
    {
      description: "With the demo token (valid 24 h); note the rate-limit headers:",
      command: `curl -i -H "Authorization: Bearer ${token}" ${gatewayUrl}/api/orders`,
      expectedStatus: 200,
    },
    {
      description: "A CORS preflight from http://localhost:3000, answered by the gateway before auth:",
      command: `curl -i -X OPTIONS -H "Origin: http://localhost:3000" -H "Access-Control-Request-Method: GET" ${gatewayUrl}/api/orders`,
      expectedStatus: 200,
    },
  ];
  const banner = [
    "",
    `Portcullis demo: gateway on ${gatewayUrl}, demo upstream on ${upstreamUrl}`,
    adminAddress === undefined ? undefined : `Admin endpoint: http://${displayHost(adminAddress)}/status, /metrics, /config`,
    "",
    ...commands.flatMap((entry) => [`# ${entry.description}`, entry.command, ""]),
    "Press Ctrl-C to stop.",
    "",
  ]
    .filter((line) => line !== undefined)
    .join("\n");
  return {
    gateway,
    gatewayUrl,
    upstreamUrl,
    adminUrl: adminAddress === undefined ? undefined : `http://${displayHost(adminAddress)}`,
    token,
    commands,
    banner,
    async close() {
      await running.close(5_000);
      await new Promise<void>((resolve) => (admin === undefined ? resolve() : admin.close(() => resolve())));
      admin?.closeAllConnections();
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  };
}
