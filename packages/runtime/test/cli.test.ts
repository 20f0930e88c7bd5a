import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemo } from "../src/index.js";
import type { Demo } from "../src/demo.js";
import { send, startUpstream, type TestServer } from "./support.js";

const run = promisify(execFile);
const cli = new URL("../src/cli.ts", import.meta.url).pathname;
// The CLI runs from source through vitest's own TypeScript loader would be circular; use Node's strip-types-free path: tsx.
const node = ["--conditions=@portcullis/source", "--import", "tsx"];

describe("portcullis demo", () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo({ listen: { host: "127.0.0.1", port: 0 }, logger: false });
  });
  afterAll(() => demo.close());

  it("prints curl commands that work when pasted", async () => {
    expect(demo.banner).toContain(demo.gatewayUrl);
    for (const entry of demo.commands) {
      expect(demo.banner).toContain(entry.command);
      const { stdout } = await run("bash", ["-c", `${entry.command} -s -o /dev/null -w '%{http_code}'`]);
      expect(Number(stdout), entry.command).toBe(entry.expectedStatus);
    }
  });

  it("adds rate-limit headers for the authenticated demo user and CORS headers for the allowed origin", async () => {
    const response = await send(`${demo.gatewayUrl}/api/orders`, { headers: { authorization: `Bearer ${demo.token}`, origin: "http://localhost:3000" } });
    expect(response.status).toBe(200);
    expect(response.json<{ consumer: string }>().consumer).toBe("demo-user");
    expect(response.headers["x-ratelimit-limit-minute"]).toBe("60");
    expect(response.headers["access-control-allow-origin"]).toBe("http://localhost:3000");
  });
});

describe("portcullis CLI", () => {
  let upstream: TestServer;
  let folder: string;
  beforeAll(async () => {
    upstream = await startUpstream();
    folder = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
  });
  afterAll(() => upstream.close());

  it("validate exits 0 for a valid config and 1 with every error and its path", async () => {
    const good = join(folder, "good.yaml");
    writeFileSync(good, `_format_version: "3.0"\nservices:\n  - name: s\n    url: ${upstream.url}\n    routes:\n      - paths: [/]\n`);
    const ok = await run("node", [...node, cli, "validate", "-c", good]);
    expect(ok.stdout).toContain("valid");
    const bad = join(folder, "bad.yaml");
    writeFileSync(bad, `_format_version: "3.0"\nservices:\n  - name: s\n    url: ${upstream.url}\n    retries: -1\n    routes:\n      - paths: [nope]\nplugins:\n  - name: rate-limiting\n    config: { minute: 0 }\n`);
    const failure = await run("node", [...node, cli, "validate", "-c", bad]).catch((error: { code: number; stderr: string }) => error);
    expect((failure as { code: number }).code).toBe(1);
    const stderr = (failure as { stderr: string }).stderr;
    expect(stderr).toContain("services[0].retries");
    expect(stderr).toContain("services[0].routes[0].paths[0]");
  });

  it("start serves, reloads on SIGHUP (keeping the old config when the new one is bad), and drains on SIGTERM", async () => {
    const file = join(folder, "gateway.yaml");
    const write = (header: string) =>
      writeFileSync(
        file,
        `_format_version: "3.0"\nservices:\n  - name: s\n    url: ${upstream.url}\n    routes:\n      - paths: [/]\n        response_buffering: true\n        name: r-${header}\n`,
      );
    write("one");
    const child = spawn("node", [...node, cli, "start", "-c", file, "--listen", "127.0.0.1:0", "--workers", "1", "--no-access-log"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gateway did not start: ${output}`)), 15_000);
        const check = () => {
          const match = /"address":"([^"]+)"/.exec(output);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1]!);
          } else setTimeout(check, 50);
        };
        check();
      });
      expect((await send(`http://${address}/x`)).status).toBe(200);
      writeFileSync(file, "_format_version: [broken");
      child.kill("SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(output).toContain("config reload failed");
      expect((await send(`http://${address}/x`)).status).toBe(200);
      write("two");
      child.kill("SIGHUP");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(output).toContain('"message":"config reloaded"');
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output).toContain("stopped");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
