// Everything the bench needs, installed on demand: system tools, the Node peers (outside the workspace) and the
// workspace build. Each step is skipped when its result is already there, so a second run starts at once.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const rootDirectory = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
export const benchDirectory = join(rootDirectory, "bench");
export const peersDirectory = join(benchDirectory, ".peers");
export const runtimeDirectory = join(rootDirectory, "packages/runtime");
export const runtimeDist = join(runtimeDirectory, "dist");

/** Versions of perf-anchors.md, so that our figures compare with its own. */
export const peerManifest = {
  name: "portcullis-bench-peers",
  private: true,
  dependencies: {
    "fast-gateway": "5.0.1",
    fastify: "5.12.8",
    "@fastify/http-proxy": "11.6.3",
    "http-proxy": "1.18.1",
    // For fastify doing the work of the jwt + rate-limiting + cors chain.
    "@fastify/cors": "11.4.3",
    "@fastify/jwt": "10.2.8",
    "@fastify/rate-limit": "11.2.0",
  },
  // fast-gateway 5.0.1 asks for fast-proxy-lite ^1.1.3, which the reachable registry does not have.
  overrides: { "fast-proxy-lite": "1.1.2" },
};

function commandExists(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

/** apt-get install for the tools that are missing; `apt-get update` only when a package is not found. */
export function ensureSystemPackages(commands) {
  const missing = Object.entries(commands).filter(([command]) => !commandExists(command));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  log(`installing ${packages.join(", ")} with apt-get`);
  const install = () => spawnSync("apt-get", ["install", "-y", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (install().status !== 0) {
    execFileSync("apt-get", ["update"], { stdio: "inherit" });
    if (install().status !== 0) throw new Error(`apt-get install ${packages.join(" ")} failed`);
  }
  for (const [command] of missing) if (!commandExists(command)) throw new Error(`${command} is still missing after apt-get`);
}

function peersInstalled() {
  const manifestPath = join(peersDirectory, "package.json");
  if (!existsSync(manifestPath)) return false;
  if (readFileSync(manifestPath, "utf8") !== `${JSON.stringify(peerManifest, null, 2)}\n`) return false;
  return Object.keys(peerManifest.dependencies).every((name) => existsSync(join(peersDirectory, "node_modules", name, "package.json")));
}

/** The Node peers go to bench/.peers with plain npm, never into the pnpm workspace. */
export function ensurePeers() {
  if (peersInstalled()) return;
  mkdirSync(peersDirectory, { recursive: true });
  writeFileSync(join(peersDirectory, "package.json"), `${JSON.stringify(peerManifest, null, 2)}\n`);
  log("installing the Node peers into bench/.peers");
  const result = spawnSync("npm", ["install", "--prefix", peersDirectory, "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: "inherit",
    cwd: peersDirectory,
  });
  if (result.status !== 0) throw new Error("npm install of the bench peers failed");
}

/** The bench runs the built packages, as a user would; build them once if they are not. */
export function ensureBuild() {
  if (existsSync(join(runtimeDist, "cli.js")) && existsSync(join(runtimeDist, "index.js"))) return;
  log("packages/runtime/dist is missing: running pnpm build");
  const result = spawnSync("pnpm", ["build"], { stdio: "inherit", cwd: rootDirectory });
  if (result.status !== 0) throw new Error("pnpm build failed");
}

const requireFromRuntime = createRequire(join(runtimeDirectory, "package.json"));
const requireFromPeers = createRequire(join(peersDirectory, "package.json"));

/** A dependency of the runtime package (undici, express, jose), the same copy the gateway itself loads. */
export function importFromRuntime(name) {
  return import(pathToFileURL(requireFromRuntime.resolve(name)).href);
}

export function importFromPeers(name) {
  return import(pathToFileURL(requireFromPeers.resolve(name)).href);
}

export function importWorkspace(relativePath) {
  return import(pathToFileURL(join(rootDirectory, relativePath)).href);
}
