import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { scaffoldPlugin } from "./scaffold.js";
import { sdkVersionRange } from "./templates.js";

let workDirectory: string;

beforeEach(() => {
  workDirectory = mkdtempSync(join(tmpdir(), "create-portcullis-plugin-"));
});
afterEach(() => {
  rmSync(workDirectory, { recursive: true, force: true });
});

function capture() {
  let text = "";
  return { write: (chunk: string) => void (text += chunk), text: () => text };
}

describe("scaffoldPlugin", () => {
  it("writes a complete plugin package", () => {
    const result = scaffoldPlugin({ target: "@acme/portcullis-plugin-geo", cwd: workDirectory, priority: 950 });
    expect(result.directory).toBe(join(workDirectory, "portcullis-plugin-geo"));
    expect([...result.files].sort()).toEqual(
      [".gitignore", "README.md", "package.json", "src/index.ts", "src/plugin.test.ts", "src/plugin.ts", "src/schema.ts", "tsconfig.json", "tsup.config.ts", "vitest.config.ts"].sort(),
    );
    const read = (path: string) => readFileSync(join(result.directory, path), "utf8");
    const manifest = JSON.parse(read("package.json"));
    expect(manifest.name).toBe("@acme/portcullis-plugin-geo");
    expect(manifest.type).toBe("module");
    expect(manifest.peerDependencies).toEqual({ "@portcullis/sdk": sdkVersionRange });
    expect(manifest.devDependencies["@portcullis/sdk"]).toBe(sdkVersionRange);
    expect(manifest.scripts).toMatchObject({ build: "tsup", test: "vitest run" });
    expect(manifest.exports["."]).toEqual({ types: "./dist/index.d.ts", import: "./dist/index.js" });
    expect(read("src/plugin.ts")).toContain('name: "geo"');
    expect(read("src/plugin.ts")).toContain("priority: 950");
    expect(read("src/plugin.test.ts")).toContain('from "@portcullis/sdk/testing"');
    expect(read("src/schema.ts")).toContain("as const satisfies JsonSchema");
    expect(read("README.md")).toContain("| `header_value` | string | required |");
    expect(read("README.md")).toContain("- name: @acme/portcullis-plugin-geo");
  });

  it("points the SDK devDependency where it is told, keeping the peer range", () => {
    const result = scaffoldPlugin({ target: "stamp", cwd: workDirectory, sdkSpecifier: "file:../sdk.tgz" });
    const manifest = JSON.parse(readFileSync(join(result.directory, "package.json"), "utf8"));
    expect(manifest.devDependencies["@portcullis/sdk"]).toBe("file:../sdk.tgz");
    expect(manifest.peerDependencies["@portcullis/sdk"]).toBe(sdkVersionRange);
  });

  it("refuses a folder that is not empty, unless forced", () => {
    mkdirSync(join(workDirectory, "stamp"));
    writeFileSync(join(workDirectory, "stamp", "keep.txt"), "mine");
    expect(() => scaffoldPlugin({ target: "stamp", cwd: workDirectory })).toThrow(/not empty/);
    expect(scaffoldPlugin({ target: "stamp", cwd: workDirectory, force: true }).files).toContain("package.json");
    expect(readFileSync(join(workDirectory, "stamp", "keep.txt"), "utf8")).toBe("mine");
  });

  it("targets the SDK version of this repository", () => {
    const sdk = JSON.parse(readFileSync(new URL("../../sdk/package.json", import.meta.url), "utf8")) as { version: string };
    expect(sdkVersionRange).toBe(`^${sdk.version}`);
  });
});

describe("runCli", () => {
  it("scaffolds and prints the next steps", () => {
    const stdout = capture();
    const stderr = capture();
    expect(runCli(["my-plugin", "--priority", "700"], stdout, stderr, workDirectory)).toBe(0);
    expect(stdout.text()).toContain('Created my-plugin (plugin "my-plugin") in my-plugin');
    expect(stdout.text()).toContain("npm install");
    expect(readFileSync(join(workDirectory, "my-plugin", "src", "plugin.ts"), "utf8")).toContain("priority: 700");
    expect(stderr.text()).toBe("");
  });

  it("prints the usage for --help", () => {
    const stdout = capture();
    expect(runCli(["--help"], stdout, capture(), workDirectory)).toBe(0);
    expect(stdout.text()).toContain("Usage: npm create portcullis-plugin <name>");
  });

  it.each([[[]], [["a", "b"]], [["--unknown", "x"]]])("exits 2 with the usage for %j", (argv) => {
    const stderr = capture();
    expect(runCli(argv, capture(), stderr, workDirectory)).toBe(2);
    expect(stderr.text()).toContain("Usage:");
  });

  it("exits 1 with the reason for a bad name or priority", () => {
    const stderr = capture();
    expect(runCli(["Bad Name"], capture(), stderr, workDirectory)).toBe(1);
    expect(runCli(["ok-name", "--priority", "high"], capture(), stderr, workDirectory)).toBe(1);
    expect(stderr.text()).toMatch(/not a valid npm package name[\s\S]*priority must be a finite number/);
  });
});
