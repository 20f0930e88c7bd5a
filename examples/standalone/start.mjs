import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("dist/cli.js", import.meta.resolve("@portcullis/runtime/package.json")));
const config = fileURLToPath(new URL("gateway.yaml", import.meta.url));

/** Starts a tiny upstream, then `portcullis start -c gateway.yaml` in front of it. */
export async function start(port = 8000, upstreamPort = 3000) {
  const upstream = createServer((_request, response) => response.end("hello from the upstream\n"));
  await once(upstream.listen(upstreamPort, "127.0.0.1"), "listening");
  const env = { ...process.env, UPSTREAM_PORT: String(upstream.address().port) };
  const gateway = spawn(process.execPath, [cli, "start", "-c", config, "--listen", `127.0.0.1:${port}`, "--workers", "1"], { env, stdio: ["ignore", "pipe", "inherit"] });
  // The CLI logs JSON lines; the "gateway listening" one carries the bound address.
  for await (const line of createInterface({ input: gateway.stdout })) {
    const record = JSON.parse(line);
    if (record.message !== "gateway listening") continue;
    gateway.stdout.resume();
    return {
      url: `http://${record.address}`,
      async stop() {
        gateway.kill("SIGTERM");
        await once(gateway, "exit");
        upstream.closeAllConnections();
        upstream.close();
      },
    };
  }
  throw new Error("portcullis exited before it listened");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await start(Number(process.env.PORT ?? 8000), Number(process.env.UPSTREAM_PORT ?? 3000));
  console.log(`portcullis is proxying ${url}/hello; Ctrl-C stops it`);
}
