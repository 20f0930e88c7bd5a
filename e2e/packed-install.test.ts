/**
 * The packages as a user gets them: every published package is packed with `pnpm pack` (workspace ranges
 * replaced, `publishConfig.exports` applied, so no `src/` and no `@portcullis/source` condition), installed with
 * plain npm into a fresh project outside the workspace, and used from JavaScript, from TypeScript, through the
 * `portcullis` and `create-portcullis-plugin` bins, and with a plugin of the project's own loaded by path.
 * Needs the packages built (turbo's test task depends on ^build, and this package depends on all of them).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packagesDirectory = fileURLToPath(new URL("../packages/", import.meta.url));

const jwtSecret = "a-secret-of-at-least-thirty-two-bytes!!";

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The parent's environment without vitest's variables and colours, which would leak into child tools. */
function childEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { CI: "true", NO_COLOR: "1", JWT_SECRET: jwtSecret };
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("VITEST") || name === "NODE_OPTIONS" || name === "FORCE_COLOR") continue;
    environment[name] ??= value;
  }
  return environment;
}

function run(command: string, args: readonly string[], cwd: string, timeout = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024, env: childEnvironment() }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr: error !== null && typeof error.code !== "number" ? `${stderr}\n${error.message}` : stderr });
    });
  });
}

async function runOk(command: string, args: readonly string[], cwd: string, timeout?: number): Promise<string> {
  const result = await run(command, args, cwd, timeout);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}


/** A plugin of the project's own, in plain JavaScript, loaded by path from the config. */
const geoPlugin = `import { definePlugin } from "@portcullis/sdk";

export default definePlugin({
  name: "geo",
  version: "1.0.0",
  priority: 700,
  configSchema: {
    type: "object",
    additionalProperties: false,
    properties: { country: { type: "string", default: "NL" } },
  },
  create(config) {
    return {
      access(ctx) {
        ctx.upstream.setHeader("x-country", config.country);
      },
    };
  },
});
`;

/** Plain JavaScript: createGateway with jwt, cors and the geo plugin, one request through it to a local upstream. */
const appModule = `import { createHmac } from "node:crypto";
import http from "node:http";
import { createGateway } from "@portcullis/runtime";

const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const unsigned = encode({ alg: "HS256", typ: "JWT" }) + "." + encode({ iss: "alice-issuer", exp: Math.floor(Date.now() / 1000) + 300 });
const token = unsigned + "." + createHmac("sha256", process.env.JWT_SECRET).update(unsigned).digest("base64url");

const upstream = http.createServer((request, response) => {
  response.setHeader("content-type", "application/json");
  response.end(JSON.stringify({ path: request.url, consumer: request.headers["x-consumer-username"], country: request.headers["x-country"] }));
});
await new Promise((resolve) => upstream.listen(0, "127.0.0.1", resolve));

const gateway = await createGateway({
  logger: false,
  accessLog: false,
  config: {
    _format_version: "3.0",
    services: [{
      name: "orders",
      url: "http://127.0.0.1:" + upstream.address().port,
      routes: [{ name: "orders", paths: ["/orders"], plugins: [{ name: "jwt" }, { name: "./plugins/geo.mjs" }] }],
    }],
    consumers: [{ username: "alice", jwt_secrets: [{ key: "alice-issuer", secret: process.env.JWT_SECRET }] }],
    plugins: [{ name: "cors", config: { origins: ["http://app.test"] } }],
  },
});
const server = http.createServer(gateway.handler);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = "http://127.0.0.1:" + server.address().port;

try {
  const allowed = await fetch(base + "/orders/1", { headers: { authorization: "Bearer " + token, origin: "http://app.test" } });
  const refused = await fetch(base + "/orders/1", { headers: { origin: "http://app.test" } });
  console.log(JSON.stringify({
    allowed: { status: allowed.status, body: await allowed.json(), allowOrigin: allowed.headers.get("access-control-allow-origin") },
    refused: { status: refused.status, body: await refused.json(), allowOrigin: refused.headers.get("access-control-allow-origin") },
  }));
} finally {
  server.close();
  upstream.close();
  await gateway.close();
}
`;

/** TypeScript: the config type is inferred from the schema, so a wrong use is a compile error. */
const typedModule = `import { definePlugin, type Plugin } from "@portcullis/sdk";
import { runPlugin } from "@portcullis/sdk/testing";
import { createGateway, type Gateway } from "@portcullis/runtime";

export const stamp = definePlugin({
  name: "stamp",
  version: "1.0.0",
  priority: 800,
  configSchema: {
    type: "object",
    additionalProperties: false,
    properties: { header: { type: "string", default: "x-stamp" }, times: { type: "integer" } },
    required: ["times"],
  },
  create(config) {
    const header: string = config.header;
    const times: number = config.times;
    // @ts-expect-error: times is inferred as a number, not a string
    const wrong: string = config.times;
    return {
      access(ctx) {
        ctx.upstream.setHeader(header, String(times) + wrong);
      },
      log(ctx) {
        // @ts-expect-error: respond() exists in access only
        ctx.respond(200);
      },
    };
  },
});

export const typed: Plugin<{ header: string; times: number }> = stamp;
export const result: Promise<{ status: number }> = runPlugin(stamp, { config: { times: 2 } });
export const gateway: Promise<Gateway> = createGateway({ config: { _format_version: "3.0" }, plugins: [stamp] });
`;

const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
  },
  include: ["typed.ts"],
};

const gatewayYaml = `_format_version: "3.0"
services:
  - name: orders
    url: http://127.0.0.1:9
    routes:
      - name: orders
        paths: [/orders]
        plugins:
          - name: jwt
          - name: ./plugins/geo.mjs
            config: { country: BE }
consumers:
  - username: alice
    jwt_secrets:
      - key: alice-issuer
        secret: \${JWT_SECRET}
plugins:
  - name: cors
    config: { origins: ["http://app.test"] }
  - name: rate-limiting
    config: { minute: 60, policy: local }
`;

describe("the packed packages, installed with npm outside the workspace", () => {
  let workDirectory: string;
  let project: string;

  beforeAll(async () => {
    workDirectory = mkdtempSync(join(tmpdir(), "portcullis-packed-"));
    const tarballs = join(workDirectory, "tarballs");
    mkdirSync(tarballs);
    const dependencies: Record<string, string> = {};
    for (const folder of readdirSync(packagesDirectory).sort()) {
      const manifest = JSON.parse(readFileSync(join(packagesDirectory, folder, "package.json"), "utf8")) as { name: string; private?: boolean };
      if (manifest.private === true) continue;
      if (!existsSync(join(packagesDirectory, folder, "dist"))) throw new Error(`${manifest.name} is not built: run \`pnpm build\` first`);
      const before = new Set(readdirSync(tarballs));
      await runOk("pnpm", ["pack", "--pack-destination", tarballs], join(packagesDirectory, folder));
      const tarball = readdirSync(tarballs).find((name) => !before.has(name));
      if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for ${manifest.name}`);
      dependencies[manifest.name] = `file:${join(tarballs, tarball)}`;
    }
    project = join(workDirectory, "app");
    mkdirSync(join(project, "plugins"), { recursive: true });
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({
        name: "packed-install-app",
        private: true,
        type: "module",
        dependencies: { ...dependencies, typescript: "~5.9.3", "@types/node": "^20.19.0" },
        // The runtime asks for its plugins and the SDK by semver range; these keep npm on the tarballs.
        overrides: dependencies,
      }),
    );
    writeFileSync(join(project, "plugins", "geo.mjs"), geoPlugin);
    writeFileSync(join(project, "app.mjs"), appModule);
    writeFileSync(join(project, "typed.ts"), typedModule);
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    writeFileSync(join(project, "gateway.yaml"), gatewayYaml);
    await runOk("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], project, 180_000);
  }, 240_000);

  afterAll(() => {
    if (workDirectory !== undefined) rmSync(workDirectory, { recursive: true, force: true });
  });

  it("installs no src/ and no workspace: ranges", () => {
    const runtime = JSON.parse(readFileSync(join(project, "node_modules", "@portcullis", "runtime", "package.json"), "utf8"));
    expect(JSON.stringify(runtime)).not.toContain("workspace:");
    expect(JSON.stringify(runtime.exports)).not.toContain("@portcullis/source");
    expect(existsSync(join(project, "node_modules", "@portcullis", "sdk", "src"))).toBe(false);
    expect(existsSync(join(project, "node_modules", "@portcullis", "sdk", "dist", "testing", "index.d.ts"))).toBe(true);
    // One copy of the SDK, shared by the runtime, the plugins and the project's own plugin.
    expect(existsSync(join(project, "node_modules", "@portcullis", "runtime", "node_modules"))).toBe(false);
    expect(existsSync(join(project, "node_modules", "@portcullis", "plugin-jwt", "node_modules", "@portcullis"))).toBe(false);
  });

  it("serves a request from plain JavaScript with jwt, cors and a plugin loaded by path", async () => {
    const output = await runOk(process.execPath, ["app.mjs"], project);
    const report = JSON.parse(output.trim().split("\n").at(-1) ?? "{}");
    expect(report.allowed).toEqual({
      status: 200,
      // strip_path defaults to true, as in Kong.
      body: { path: "/1", consumer: "alice", country: "NL" },
      allowOrigin: "http://app.test",
    });
    expect(report.refused.status).toBe(401);
    expect(report.refused.allowOrigin).toBe("http://app.test");
  }, 120_000);

  it("typechecks TypeScript with inferred config types", async () => {
    await runOk("npx", ["--no-install", "tsc", "--noEmit", "-p", "."], project, 120_000);
  }, 150_000);

  it("validates a config with the portcullis bin, and lists every error of a bad one", async () => {
    const good = await run("npx", ["--no-install", "portcullis", "validate", "-c", "gateway.yaml"], project);
    expect(good.code, good.stderr).toBe(0);
    writeFileSync(join(project, "bad.yaml"), gatewayYaml.replace("minute: 60", "minute: -1").replace("country: BE", "country: 7"));
    const bad = await run("npx", ["--no-install", "portcullis", "validate", "-c", "bad.yaml"], project);
    expect(bad.code).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/minute/);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/country/);
  }, 120_000);

  it("scaffolds a plugin with the create-portcullis-plugin bin", async () => {
    const output = await runOk("npx", ["--no-install", "create-portcullis-plugin", "@acme/portcullis-plugin-geo"], project);
    expect(output).toContain('plugin "geo"');
    const manifest = JSON.parse(readFileSync(join(project, "portcullis-plugin-geo", "package.json"), "utf8"));
    expect(manifest.peerDependencies["@portcullis/sdk"]).toMatch(/^\^0\./);
  }, 120_000);
});
