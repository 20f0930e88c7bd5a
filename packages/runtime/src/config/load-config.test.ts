// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} references.
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "./load-config.js";
import type { ConfigResult, GatewayConfig } from "./types.js";

const MINIMAL_EXAMPLE = fileURLToPath(new URL("./__fixtures__/kong-minimal.yaml", import.meta.url));

function expectConfig(result: ConfigResult): GatewayConfig {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
}

function expectIssues(result: ConfigResult) {
  if (result.ok) throw new Error("expected issues, got a valid config");
  return result.issues;
}

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "portcullis-config-"));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("the reference's minimal example (6.7)", () => {
  it("loads, flattens nesting into foreign keys and applies every default", async () => {
    const config = expectConfig(await loadConfig(MINIMAL_EXAMPLE, { env: {} }));
    expect(config.formatVersion).toBe("3.0");

    const [orders, billing] = config.services;
    expect(orders).toMatchObject({
      name: "orders",
      protocol: "http",
      host: "orders-upstream",
      port: 80,
      path: "/api",
      retries: 5,
      connectTimeout: 60000,
      readTimeout: 60000,
      writeTimeout: 60000,
      enabled: true,
      tags: [],
      source: "services[0]",
    });
    expect(billing).toMatchObject({ name: "billing", host: "billing.internal", port: 8080, path: undefined });

    const [ordersRoute, billingRoute] = config.routes;
    expect(ordersRoute).toMatchObject({
      name: "orders-route",
      serviceId: orders!.id,
      protocols: ["http", "https"],
      methods: ["GET", "POST"],
      hosts: ["api.example.test"],
      paths: ["/orders", "~/v[0-9]+/orders$"],
      stripPath: true,
      preserveHost: false,
      regexPriority: 10,
      pathHandling: "v0",
      httpsRedirectStatusCode: 426,
      requestBuffering: true,
      responseBuffering: true,
      source: "services[0].routes[0]",
    });
    expect(billingRoute).toMatchObject({ serviceId: billing!.id, regexPriority: 0, source: "services[1].routes[0]" });

    const upstream = config.upstreams[0]!;
    expect(upstream).toMatchObject({
      name: "orders-upstream",
      algorithm: "round-robin",
      hashOn: "none",
      hashFallback: "none",
      hashOnCookiePath: "/",
      slots: 10000,
      hostHeader: undefined,
    });
    expect(upstream.healthchecks).toEqual({
      threshold: 0,
      active: {
        type: "http",
        timeout: 1,
        concurrency: 10,
        http_path: "/health",
        https_sni: null,
        https_verify_certificate: true,
        headers: null,
        healthy: { interval: 5, http_statuses: [200, 302], successes: 2 },
        unhealthy: {
          interval: 5,
          http_statuses: [429, 404, 500, 501, 502, 503, 504, 505],
          tcp_failures: 3,
          timeouts: 3,
          http_failures: 3,
        },
      },
      passive: {
        type: "http",
        healthy: {
          http_statuses: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308],
          successes: 0,
        },
        unhealthy: { http_statuses: [429, 500, 503], tcp_failures: 0, timeouts: 0, http_failures: 5 },
      },
    });
    expect(upstream.targets.map(({ target, host, port, weight, source }) => ({ target, host, port, weight, source }))).toEqual([
      { target: "10.0.0.11:8000", host: "10.0.0.11", port: 8000, weight: 100, source: "upstreams[0].targets[0]" },
      { target: "10.0.0.12:8000", host: "10.0.0.12", port: 8000, weight: 50, source: "upstreams[0].targets[1]" },
    ]);

    const [alice, bob, anonymous] = config.consumers;
    expect(alice).toMatchObject({ username: "alice", customId: "1234", source: "consumers[0]" });
    expect(bob).toMatchObject({ username: "bob", customId: undefined });
    expect(anonymous).toMatchObject({ username: "anonymous-user" });
    expect(config.credentials).toEqual([
      {
        id: expect.any(String),
        collection: "jwt_secrets",
        consumerId: alice!.id,
        fields: { key: "a36c3049b36249a3c9f8891cb127243c", secret: "e71829c351aa4242c2719cbfbe671c09", algorithm: "HS256" },
        source: "consumers[0].jwt_secrets[0]",
      },
      {
        id: expect.any(String),
        collection: "hmacauth_credentials",
        consumerId: bob!.id,
        fields: { username: "bob", secret: "secret" },
        source: "consumers[1].hmacauth_credentials[0]",
      },
    ]);

    const byName = new Map(config.plugins.map((plugin) => [plugin.name, plugin]));
    expect(byName.get("rate-limiting")).toMatchObject({
      serviceId: orders!.id,
      routeId: undefined,
      consumerId: undefined,
      config: { minute: 6, hour: 1000, limit_by: "consumer", policy: "local" },
      protocols: ["grpc", "grpcs", "http", "https"],
      enabled: true,
      source: "services[0].plugins[0]",
    });
    expect(byName.get("jwt")).toMatchObject({ routeId: ordersRoute!.id, serviceId: undefined, source: "services[0].routes[0].plugins[0]" });
    expect(byName.get("hmac-auth")).toMatchObject({ routeId: billingRoute!.id, source: "services[1].routes[0].plugins[0]" });
    expect(byName.get("cors")).toMatchObject({
      routeId: undefined,
      serviceId: undefined,
      consumerId: undefined,
      config: { origins: ["https://app.example.test", "(.*\\.)?example\\.test"], credentials: true, max_age: 3600 },
      source: "plugins[0]",
    });
  });

  it("assigns the same UUIDv5 ids on every load, and keeps them when entities are reordered", async () => {
    const first = expectConfig(await loadConfig(MINIMAL_EXAMPLE, { env: {} }));
    const second = expectConfig(await loadConfig(MINIMAL_EXAMPLE, { env: {} }));
    expect(second).toEqual(first);
    const ids = [
      ...first.services,
      ...first.routes,
      ...first.upstreams,
      ...first.upstreams.flatMap((upstream) => upstream.targets),
      ...first.consumers,
      ...first.credentials,
      ...first.plugins,
    ].map((entity) => entity.id);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);

    const document = parse(await readFile(MINIMAL_EXAMPLE, "utf8")) as { services: unknown[]; consumers: unknown[] };
    document.services.reverse();
    document.consumers.reverse();
    const reordered = expectConfig(await loadConfig(document, { env: {} }));
    const idOf = (config: GatewayConfig, name: string) => config.services.find((service) => service.name === name)?.id;
    expect(idOf(reordered, "orders")).toBe(idOf(first, "orders"));
    expect(reordered.consumers.find((consumer) => consumer.username === "alice")?.id).toBe(first.consumers[0]!.id);
    expect(reordered.plugins.find((plugin) => plugin.name === "jwt")?.id).toBe(first.plugins.find((plugin) => plugin.name === "jwt")?.id);
  });
});

describe("files", () => {
  const document = {
    _format_version: "3.0",
    services: [{ name: "echo", url: "https://echo.test", routes: [{ name: "echo", paths: ["/echo"] }] }],
    consumers: [{ username: "alice", jwt_secrets: [{ key: "k", secret: "${JWT_SECRET}" }] }],
  };

  it("reads JSON by extension and interpolates the environment", async () => {
    await writeFile(join(directory, "gateway.json"), JSON.stringify(document));
    const config = expectConfig(await loadConfig("gateway.json", { cwd: directory, env: { JWT_SECRET: "from-env" } }));
    expect(config.services[0]).toMatchObject({ protocol: "https", host: "echo.test", port: 443 });
    expect(config.credentials[0]!.fields).toEqual({ key: "k", secret: "from-env" });
  });

  it.each(["gateway.yaml", "gateway.yml", "gateway.conf"])("reads YAML from %s", async (name) => {
    const yaml = [
      '_format_version: "3.0"',
      "services:",
      "  - name: echo",
      "    url: https://echo.test",
      "    routes: [{ name: echo, paths: [/echo] }]",
      "consumers:",
      "  - username: alice",
      "    jwt_secrets: [{ key: k, secret: '${JWT_SECRET:-fallback}' }]",
    ].join("\n");
    await writeFile(join(directory, name), yaml);
    const config = expectConfig(await loadConfig(join(directory, name), { env: {} }));
    expect(config.routes[0]!.paths).toEqual(["/echo"]);
    expect(config.credentials[0]!.fields).toEqual({ key: "k", secret: "fallback" });
  });

  it("reads JSON from a file with an unknown extension, as YAML", async () => {
    await writeFile(join(directory, "gateway.txt"), JSON.stringify(document));
    expect(expectConfig(await loadConfig(join(directory, "gateway.txt"), { env: { JWT_SECRET: "x" } })).services).toHaveLength(1);
  });

  it("reports a missing file, a directory and an empty file with path ''", async () => {
    const missing = join(directory, "nope.yaml");
    expect(expectIssues(await loadConfig(missing))).toEqual([{ path: "", message: `config file not found: ${missing}` }]);
    const folder = join(directory, "folder.yaml");
    await mkdir(folder, { recursive: true });
    expect(expectIssues(await loadConfig(folder))).toEqual([
      { path: "", message: `config path is a directory, not a file: ${folder}` },
    ]);
    const empty = join(directory, "empty.yaml");
    await writeFile(empty, "  \n");
    expect(expectIssues(await loadConfig(empty))).toEqual([{ path: "", message: `config file ${empty} is empty` }]);
  });

  it("reports bad YAML with the file, line and column", async () => {
    const file = join(directory, "bad.yaml");
    await writeFile(file, '_format_version: "3.0"\nservices:\n  - name: a\n    url: [unclosed\n');
    const issues = expectIssues(await loadConfig(file));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("");
    expect(issues[0]!.message).toContain(`invalid YAML in ${file}:`);
    expect(issues[0]!.message).toMatch(/line \d+, column \d+/);
  });

  it("reports duplicate YAML keys", async () => {
    const file = join(directory, "duplicate.yaml");
    await writeFile(file, '_format_version: "3.0"\nservices: []\nservices: []\n');
    const issues = expectIssues(await loadConfig(file));
    expect(issues[0]!.message).toMatch(/invalid YAML in .*duplicate\.yaml: Map keys must be unique at line 3, column 1/);
  });

  it("reports bad JSON with the line and column", async () => {
    const file = join(directory, "bad.json");
    await writeFile(file, '{\n  "_format_version": "3.0",\n  "services": [,]\n}');
    const issues = expectIssues(await loadConfig(file));
    expect(issues).toEqual([{ path: "", message: expect.stringMatching(/^invalid JSON in .*bad\.json at line 3, column 16: /) }]);
  });

  it("reports a YAML alias that contains itself", async () => {
    const file = join(directory, "loop.yaml");
    await writeFile(file, '_format_version: "3.0"\nplugins:\n  - name: cors\n    config: &loop { origins: [*loop] }\n');
    expect(expectIssues(await loadConfig(file))).toEqual([{ path: "plugins[0].config.origins[0]", message: "circular reference" }]);
  });

  it("accepts an object as input", async () => {
    expect(expectConfig(await loadConfig({ _format_version: "3.0" })).services).toEqual([]);
  });
});
