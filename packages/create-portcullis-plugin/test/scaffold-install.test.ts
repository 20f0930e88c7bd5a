/**
 * A freshly scaffolded plugin passes its own tests and builds, installed with plain npm outside the workspace,
 * against the SDK as it would be published (a `pnpm pack` tarball of packages/sdk, which needs its dist built:
 * turbo's test task depends on ^build).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaffoldPlugin } from "../src/scaffold.js";

const sdkDirectory = fileURLToPath(new URL("../../sdk/", import.meta.url));

/** The parent's environment without vitest's own variables, which would leak into the scaffold's vitest. */
function childEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { CI: "true", NO_COLOR: "1" };
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("VITEST") || name === "NODE_OPTIONS" || name === "FORCE_COLOR" || name === "TEST") continue;
    environment[name] ??= value;
  }
  return environment;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: childEnvironment() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed in ${cwd}: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

describe("a scaffolded plugin, installed with npm", () => {
  let workDirectory: string;
  let pluginDirectory: string;

  beforeAll(async () => {
    workDirectory = mkdtempSync(join(tmpdir(), "portcullis-scaffold-"));
    await run("pnpm", ["pack", "--pack-destination", workDirectory], sdkDirectory, 60_000);
    const tarball = readdirSync(workDirectory).find((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error("pnpm pack wrote no tarball");
    pluginDirectory = scaffoldPlugin({
      target: "@acme/portcullis-plugin-geo",
      cwd: workDirectory,
      sdkSpecifier: `file:${join(workDirectory, tarball)}`,
    }).directory;
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], pluginDirectory);
  }, 240_000);

  afterAll(() => {
    if (workDirectory !== undefined) rmSync(workDirectory, { recursive: true, force: true });
  });

  it("passes its own tests", async () => {
    const output = await run("npm", ["test"], pluginDirectory, 120_000);
    expect(output).toMatch(/Tests\s+6 passed \(6\)/);
    expect(output).not.toMatch(/failed/);
  });

  it("typechecks and builds ESM with declarations", async () => {
    await run("npm", ["run", "typecheck"], pluginDirectory, 120_000);
    await run("npm", ["run", "build"], pluginDirectory, 120_000);
    expect(existsSync(join(pluginDirectory, "dist", "index.js"))).toBe(true);
    expect(existsSync(join(pluginDirectory, "dist", "index.d.ts"))).toBe(true);
    const built = (await import(pathToFileURL(join(pluginDirectory, "dist", "index.js")).href)) as {
      default: { name: string; apiVersion: number; [key: symbol]: unknown };
    };
    expect(built.default.name).toBe("geo");
    expect(built.default.apiVersion).toBe(1);
    expect(built.default[Symbol.for("portcullis.plugin")]).toBe(true);
  });
});
