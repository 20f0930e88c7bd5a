import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "./support.js";
import { countBodies, type NamedUpstream, sendMany, startNamedUpstream, waitFor } from "./upstreams-support.js";

const cli = new URL("../src/cli.ts", import.meta.url).pathname;
const node = ["--conditions=@portcullis/source", "--import", "tsx"];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("portcullis start --workers 2", () => {
  let upstreams: NamedUpstream[];
  let folder: string;
  beforeAll(async () => {
    upstreams = await Promise.all(["a", "b"].map((name) => startNamedUpstream(name)));
    folder = mkdtempSync(join(tmpdir(), "portcullis-workers-"));
  });
  afterAll(async () => {
    await Promise.all(upstreams.map((upstream) => upstream.close()));
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves from both workers, reloads every worker on SIGHUP, and exits 0 on SIGTERM leaving no worker behind", async () => {
    const file = join(folder, "gateway.yaml");
    const write = (path: string) =>
      writeFileSync(
        file,
        [
          `_format_version: "3.0"`,
          "upstreams:",
          "  - name: pool.internal",
          "    targets:",
          ...upstreams.map((upstream) => `      - target: ${upstream.target}`),
          "services:",
          "  - name: backend",
          "    host: pool.internal",
          "    port: 80",
          "    routes:",
          `      - paths: [${path}]`,
          "",
        ].join("\n"),
      );
    write("/one");
    const child = spawn("node", [...node, cli, "start", "-c", file, "--listen", "127.0.0.1:0", "--workers", "2", "--no-access-log"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const workerPids = () => [...output.matchAll(/"message":"gateway listening".*?"pid":(\d+)/g)].map((match) => Number(match[1]));
    const count = (text: string) => output.split(text).length - 1;
    try {
      await waitFor(() => workerPids().length === 2, 20_000, `two workers listening: ${output}`);
      const address = /"address":"([^"]+)"/.exec(output)![1]!;
      const pids = workerPids();
      expect(new Set(pids).size).toBe(2);
      expect(pids).not.toContain(child.pid);

      const before = await sendMany(`http://${address}/one`, 20, 4);
      expect(before.every((result) => result.status === 200)).toBe(true);
      expect(Object.keys(countBodies(before)).sort()).toEqual(["a", "b"]);

      write("/two");
      child.kill("SIGHUP");
      await waitFor(() => count('"message":"config reloaded"') === 2, 10_000, `both workers to reload: ${output}`);
      // Each worker has its own balancer; both must serve the new routes.
      const after = await sendMany(`http://${address}/two`, 20, 4);
      expect(after.every((result) => result.status === 200)).toBe(true);
      expect((await send(`http://${address}/one`)).status).toBe(404);

      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await waitFor(() => pids.every((pid) => !alive(pid)), 5_000, "workers to exit");
      expect(count('"message":"stopped"')).toBe(2);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      for (const pid of workerPids()) if (alive(pid)) process.kill(pid, "SIGKILL");
    }
  }, 60_000);
});
