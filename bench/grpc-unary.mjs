// gRPC unary throughput: direct to a grpc-js server, and through the gateway (one worker), in one run.
// The server runs in this process pinned to cpu0 with the client; the gateway runs pinned to cpu1.
// Usage: node bench/grpc-unary.mjs [seconds] [concurrency]   (after `pnpm build`)
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "packages/runtime/package.json"));
const grpc = require("@grpc/grpc-js");
const { loadSync } = require("@grpc/proto-loader");
const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 32);

const definition = loadSync(join(root, "packages/runtime/test/fixtures/echo.proto"), { keepCase: false, defaults: true });
const Echo = grpc.loadPackageDefinition(definition).portcullis.test.Echo;

const server = new grpc.Server();
server.addService(Echo.service, { Unary: (call, callback) => callback(null, { text: call.request.text, server: "bench" }) });
const serverPort = await new Promise((resolve, reject) =>
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
);

const folder = join(root, ".bench-tmp", "grpc");
mkdirSync(folder, { recursive: true });
const config = join(folder, "gateway.yaml");
writeFileSync(
  config,
  `_format_version: "3.0"\nservices:\n  - name: echo\n    protocol: grpc\n    host: 127.0.0.1\n    port: ${serverPort}\n    routes:\n      - name: echo\n        protocols: [grpc]\n        paths: [/portcullis.test.Echo]\n        strip_path: false\n`,
);
const gatewayPort = 20000 + Math.floor(Math.random() * 20000);
const gateway = spawn("taskset", ["-c", "1", "node", join(root, "packages/runtime/dist/cli.js"), "start", "-c", config, "--workers", "1", "--no-access-log", "--log-level", "warn", "--listen", `127.0.0.1:${gatewayPort}`], { stdio: "inherit" });
await new Promise((resolve) => setTimeout(resolve, 1500));

async function measure(address) {
  const client = new Echo(address, grpc.credentials.createInsecure());
  const call = () => new Promise((resolve, reject) => client.Unary({ text: "hi" }, (error) => (error ? reject(error) : resolve())));
  for (let warm = 0; warm < 500; warm++) await call();
  let done = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        await call();
        done++;
      }
    }),
  );
  client.close();
  return done / seconds;
}

const results = [];
for (const round of [1, 2]) {
  for (const [name, address] of round === 1 ? [["direct", `127.0.0.1:${serverPort}`], ["gateway", `127.0.0.1:${gatewayPort}`]] : [["gateway", `127.0.0.1:${gatewayPort}`], ["direct", `127.0.0.1:${serverPort}`]]) {
    const rate = await measure(address);
    results.push({ round, name, rate });
    console.log(`round ${round} ${name}: ${Math.round(rate)} calls/s`);
  }
}
gateway.kill("SIGTERM");
server.forceShutdown();
const mean = (name) => results.filter((result) => result.name === name).reduce((sum, result) => sum + result.rate, 0) / 2;
console.log(JSON.stringify({ direct: Math.round(mean("direct")), gateway: Math.round(mean("gateway")), ratio: (mean("gateway") / mean("direct")).toFixed(2), concurrency, seconds }));
