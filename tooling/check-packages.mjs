#!/usr/bin/env node
// Packs every published package the way `pnpm publish` would (workspace: ranges replaced, publishConfig.exports
// applied, so the `@portcullis/source` condition and its src/ paths are gone), then lints each tarball with
// publint (strict) and checks its types with @arethetypeswrong/cli for an ESM-only package. Needs `pnpm build`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packagesDirectory = join(root, "packages");
const destination = mkdtempSync(join(tmpdir(), "portcullis-check-packages-"));
const failures = [];

function run(command, args, cwd) {
  try {
    return { ok: true, output: execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 }) };
  } catch (error) {
    return { ok: false, output: `${error.stdout ?? ""}${error.stderr ?? ""}${error.message}` };
  }
}

try {
  for (const folder of readdirSync(packagesDirectory).sort()) {
    const directory = join(packagesDirectory, folder);
    const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
    if (manifest.private === true) continue;
    const before = new Set(readdirSync(destination));
    const packed = run("pnpm", ["pack", "--pack-destination", destination], directory);
    const tarball = readdirSync(destination).find((name) => !before.has(name));
    if (!packed.ok || tarball === undefined) {
      failures.push(`${manifest.name}: pnpm pack failed\n${packed.output}`);
      continue;
    }
    const path = join(destination, tarball);
    const publint = run("pnpm", ["exec", "publint", "run", path, "--strict"], root);
    const attw = run("pnpm", ["exec", "attw", path, "--profile", "esm-only", "--format", "table-flipped"], root);
    console.log(`${publint.ok && attw.ok ? "ok  " : "FAIL"} ${manifest.name} (${tarball})`);
    if (!publint.ok) failures.push(`${manifest.name}: publint\n${publint.output}`);
    if (!attw.ok) failures.push(`${manifest.name}: attw\n${attw.output}`);
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\n${failures.join("\n\n")}`);
  process.exit(1);
}
