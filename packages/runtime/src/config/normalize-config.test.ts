// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} references.
import { describe, expect, it } from "vitest";
import { normalizeConfig } from "./normalize-config.js";
import type { ConfigIssue, ConfigResult, GatewayConfig } from "./types.js";

const V3 = { _format_version: "3.0" } as const;

function load(document: Record<string, unknown>, env: Record<string, string> = {}): ConfigResult {
  return normalizeConfig({ ...V3, ...document }, { env });
}

function valid(document: Record<string, unknown>, env: Record<string, string> = {}): GatewayConfig {
  const result = load(document, env);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config;
}

function issues(document: Record<string, unknown>, env: Record<string, string> = {}): readonly ConfigIssue[] {
  const result = load(document, env);
  if (result.ok) throw new Error("expected issues, got a valid config");
  return result.issues;
}

const route = (extra: Record<string, unknown> = {}) => ({ paths: ["/"], ...extra });
const service = (extra: Record<string, unknown> = {}) => ({ name: "svc", url: "http://svc.test", ...extra });

describe("services", () => {
  it.each([
    ["http://svc.test", { protocol: "http", host: "svc.test", port: 80, path: undefined }],
    ["https://svc.test", { protocol: "https", host: "svc.test", port: 443, path: undefined }],
    ["http://svc.test:8080/api/v1", { protocol: "http", host: "svc.test", port: 8080, path: "/api/v1" }],
    ["HTTPS://svc.test:8443/", { protocol: "https", host: "svc.test", port: 8443, path: "/" }],
    ["grpc://svc.test", { protocol: "grpc", host: "svc.test", port: 80, path: undefined }],
    ["grpcs://svc.test", { protocol: "grpcs", host: "svc.test", port: 80, path: undefined }],
    ["grpcs://svc.test:50051", { protocol: "grpcs", host: "svc.test", port: 50051, path: undefined }],
    ["http://10.0.0.1:81", { protocol: "http", host: "10.0.0.1", port: 81, path: undefined }],
    ["http://[::1]:8080/x", { protocol: "http", host: "::1", port: 8080, path: "/x" }],
  ])("expands the url shorthand %s as Kong does", (url, expected) => {
    expect(valid({ services: [{ url }] }).services[0]).toMatchObject(expected);
  });

  it("defaults explicit fields to http and port 80 (Kong's default, whatever the protocol)", () => {
    const [plain, secure] = valid({
      services: [
        { name: "a", host: "a.test" },
        { name: "b", protocol: "https", host: "b.test", path: "/base", retries: 0, read_timeout: 5 },
      ],
    }).services;
    expect(plain).toMatchObject({ protocol: "http", host: "a.test", port: 80, path: undefined, retries: 5 });
    expect(secure).toMatchObject({ protocol: "https", port: 80, path: "/base", retries: 0, readTimeout: 5 });
  });

  it.each([
    [{ url: "ftp://svc.test" }, "services[0].url", "invalid url 'ftp://svc.test': unsupported protocol 'ftp' (expected http, https, grpc or grpcs)"],
    [{ url: "svc.test" }, "services[0].url", "invalid url 'svc.test': expected protocol://host[:port][/path]"],
    [{ url: "http://svc.test/?a=1" }, "services[0].url", "invalid url 'http://svc.test/?a=1': a query or fragment is not allowed"],
    [{ url: "http://bad host/" }, "services[0].url", "invalid url 'http://bad host/': invalid host"],
    [{ url: "http://svc.test:99999" }, "services[0].url", "invalid url 'http://svc.test:99999': invalid port"],
    [{ url: "http://svc.test/a//b" }, "services[0].url", "invalid url 'http://svc.test/a//b': path must not have empty segments"],
    [{ url: "grpc://svc.test/x" }, "services[0].url", "a path is not allowed when 'protocol' is 'grpc' or 'grpcs'"],
    [{ url: "http://svc.test", host: "x.test", port: 1 }, "services[0].url", "cannot be combined with 'host', 'port'"],
    [{ protocol: "grpcs", host: "svc.test", path: "/x" }, "services[0].path", "a path is not allowed when 'protocol' is 'grpc' or 'grpcs'"],
    [{ host: "svc.test", path: "api" }, "services[0].path", "should start with: /"],
    [{ host: "bad_host!" }, "services[0].host", "invalid value: bad_host!"],
    [{ name: "with space", host: "svc.test" }, "services[0].name", "invalid value 'with space': the only accepted ascii characters are alphanumerics or ., -, _, and ~"],
    [{ protocol: "http" }, "services[0].host", "required field missing"],
  ])("refuses %j", (entity, path, message) => {
    expect(issues({ services: [entity] })).toEqual([{ path, message }]);
  });

  it("checks types and ranges through the schema", () => {
    expect(issues({ services: [service({ retries: "5", connect_timeout: 0, port: 70000, hots: "x" })] })).toEqual(
      expect.arrayContaining([
        { path: "services[0].retries", message: "expected integer" },
        { path: "services[0].connect_timeout", message: "must be >= 1" },
        { path: "services[0].hots", message: "unknown field" },
      ]),
    );
    expect(issues({ services: [service({ retries: 32768 })] })).toEqual([
      { path: "services[0].retries", message: "must be <= 32767" },
    ]);
  });
});

describe("routes", () => {
  it("normalises methods, hosts and header names and applies defaults", () => {
    const config = valid({
      services: [
        service({
          routes: [
            route({ methods: ["get", "Post"], hosts: ["API.Example.TEST", "*.Example.test"], headers: { "X-Version": ["1"], "x-version": ["2"] } }),
            { protocols: ["grpc", "grpcs"], hosts: ["grpc.test"] },
          ],
        }),
      ],
    });
    expect(config.routes[0]).toMatchObject({
      methods: ["GET", "POST"],
      hosts: ["api.example.test", "*.example.test"],
      headers: { "x-version": ["1", "2"] },
      protocols: ["http", "https"],
      stripPath: true,
      preserveHost: false,
      regexPriority: 0,
      pathHandling: "v0",
      httpsRedirectStatusCode: 426,
    });
    expect(config.routes[1]).toMatchObject({ protocols: ["grpc", "grpcs"], stripPath: false, methods: undefined });
  });

  it("resolves a top-level route's service by name or by id, and allows routes without a service", () => {
    const id = "6c1e8f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
    const config = valid({
      services: [service({ name: "by-name" }), service({ name: "by-id", id: id.toUpperCase() })],
      routes: [route({ name: "a", service: "by-name" }), route({ name: "b", service: id }), route({ name: "c" })],
    });
    expect(config.services[1]!.id).toBe(id);
    expect(config.routes.map((entry) => entry.serviceId)).toEqual([config.services[0]!.id, id, undefined]);
  });

  it.each([
    [route({ paths: ["/ok", "orders"] }), "routes[0].paths[1]", "should start with: / (fixed path) or ~/ (regex path)"],
    [route({ paths: ["/a//b"] }), "routes[0].paths[0]", "must not have empty segments"],
    [route({ paths: ["~/v(1"] }), "routes[0].paths[0]", expect.stringMatching(/^invalid regex: '~\/v\(1' \(/)],
    [route({ hosts: ["api.*.test"] }), "routes[0].hosts[0]", "invalid wildcard: must be placed at leftmost or rightmost label"],
    [route({ hosts: ["*.a.*"] }), "routes[0].hosts[0]", "invalid wildcard: must have at most one wildcard"],
    [route({ headers: { Host: ["a.test"] } }), "routes[0].headers", "cannot contain 'host' header, which must be specified in the 'hosts' attribute"],
    [route({ protocols: ["http", "grpc"] }), "routes[0].protocols", "these sets are mutually exclusive: ('http', 'https'), ('grpc', 'grpcs')"],
    [{ protocols: ["https"] }, "routes[0]", "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'https'"],
    [{ protocols: ["grpc"], hosts: ["g.test"], methods: ["GET"] }, "routes[0].methods", "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'"],
    [{ protocols: ["grpc"], hosts: ["g.test"], strip_path: true }, "routes[0].strip_path", "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'"],
    [route({ https_redirect_status_code: 303 }), "routes[0].https_redirect_status_code", "expected one of: 426, 301, 302, 307, 308"],
    [route({ protocols: ["tcp"] }), "routes[0].protocols[0]", "expected one of: http, https, grpc, grpcs"],
    [route({ service: "nope" }), "routes[0].service", 'no service named "nope"'],
    [route({ service: "6c1e8f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b" }), "routes[0].service", 'no service with id or name "6c1e8f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"'],
  ])("refuses %j", (entity, path, message) => {
    expect(issues({ routes: [entity] })).toEqual([{ path, message }]);
  });

  it("refuses a foreign key inside a nested route", () => {
    expect(issues({ services: [service({ routes: [route({ service: "svc" })] })] })).toEqual([
      { path: "services[0].routes[0].service", message: "unknown field" },
    ]);
  });
});

describe("upstreams and targets", () => {
  it("parses nested and top-level targets and applies Kong's algorithm coupling", () => {
    const config = valid({
      upstreams: [
        { name: "hashed", algorithm: "round-robin", hash_on: "header", hash_on_header: "X-User", targets: [{ target: "[::1]:8080" }] },
        { name: "least", algorithm: "least-connections", targets: [{ target: "a.test", weight: 0 }] },
        { name: "plain", algorithm: "consistent-hashing" },
      ],
      targets: [{ target: "b.test:9000", upstream: "least" }],
    });
    const [hashed, least, plain] = config.upstreams;
    expect(hashed).toMatchObject({ algorithm: "consistent-hashing", hashOn: "header", hashOnHeader: "X-User" });
    expect(hashed!.targets[0]).toMatchObject({ target: "[::1]:8080", host: "::1", port: 8080, weight: 100 });
    expect(least).toMatchObject({ algorithm: "least-connections", hashOn: "none" });
    expect(least!.targets.map((target) => [target.host, target.port, target.weight, target.source])).toEqual([
      ["a.test", 8000, 0, "upstreams[1].targets[0]"],
      ["b.test", 9000, 100, "targets[0]"],
    ]);
    expect(plain).toMatchObject({ algorithm: "round-robin", slots: 10000 });
  });

  it.each([
    [{ name: "10.0.0.1" }, "upstreams[0].name", "Invalid name ('10.0.0.1'); no ip addresses allowed"],
    [{ name: "up.test:80" }, "upstreams[0].name", "Invalid name ('up.test:80'); no port allowed"],
    [{ name: "up", hash_on: "header" }, "upstreams[0].hash_on_header", "required field missing"],
    [{ name: "up", hash_on: "ip", hash_fallback: "header" }, "upstreams[0].hash_fallback_header", "required field missing"],
    [{ name: "up", hash_on: "cookie" }, "upstreams[0].hash_on_cookie", "required field missing"],
    [{ name: "up", hash_on: "query_arg" }, "upstreams[0].hash_on_query_arg", "required field missing"],
    [{ name: "up", hash_on: "uri_capture", hash_on_uri_capture: "id", hash_fallback: "uri_capture" }, "upstreams[0].hash_fallback_uri_capture", "required field missing"],
    [{ name: "up", hash_fallback: "ip" }, "upstreams[0].hash_fallback", "expected one of: none"],
    [{ name: "up", hash_on: "cookie", hash_on_cookie: "c", hash_fallback: "ip" }, "upstreams[0].hash_fallback", "expected one of: none"],
    [{ name: "up", hash_on: "ip", hash_fallback: "ip" }, "upstreams[0].hash_fallback", "expected one of: none, consumer, header, cookie, path, query_arg, uri_capture"],
    [{ name: "up", hash_on: "header", hash_fallback: "header", hash_on_header: "a", hash_fallback_header: "A" }, "upstreams[0]", "values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'"],
    [{ name: "up", slots: 5 }, "upstreams[0].slots", "must be >= 10"],
    [{ name: "up", healthchecks: { active: { healthy: { successes: 300 } } } }, "upstreams[0].healthchecks.active.healthy.successes", "must be <= 255"],
    [{ name: "up", healthchecks: { passive: { type: "udp" } } }, "upstreams[0].healthchecks.passive.type", "expected one of: tcp, http, https, grpc, grpcs"],
    [{ name: "up", targets: [{ target: "bad host" }] }, "upstreams[0].targets[0].target", "Invalid target ('bad host'); not a valid hostname or ip address"],
    [{ name: "up", targets: [{ target: "a.test", weight: 70000 }] }, "upstreams[0].targets[0].weight", "must be <= 65535"],
    [{ name: "up", targets: [{ target: "a.test" }, { target: "a.test:8000" }] }, "upstreams[0].targets[1].target", expect.stringMatching(/^uniqueness violation: 'targets' entity with target set to '.+\/a\.test:8000' already declared at upstreams\[0\]\.targets\[0\]$/)],
    [{ targets: [] }, "upstreams[0].name", "required field missing"],
  ])("refuses %j", (entity, path, message) => {
    expect(issues({ upstreams: [entity] })).toEqual([{ path, message }]);
  });

  it("reports a top-level target's dangling or missing upstream", () => {
    expect(issues({ targets: [{ target: "a.test", upstream: "ghost" }, { target: "b.test" }] })).toEqual([
      { path: "targets[1].upstream", message: "required field missing" },
      { path: "targets[0].upstream", message: 'no upstream named "ghost"' },
    ]);
  });
});

describe("consumers and credentials", () => {
  it("collects nested and top-level credential collections, by username or id", () => {
    const aliceId = "0b7c8f9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f";
    const config = valid({
      consumers: [
        { username: "alice", id: aliceId, jwt_secrets: [{ key: "a", secret: "s" }] },
        { custom_id: "c-1", hmacauth_credentials: [] },
      ],
      jwt_secrets: [{ consumer: "alice", key: "b", secret: "t", id: "1b7c8f9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f" }],
      keyauth_credentials: [{ consumer: aliceId, key: "k" }],
    });
    expect(config.consumers[1]).toMatchObject({ username: undefined, customId: "c-1" });
    expect(config.credentials.map((credential) => [credential.collection, credential.consumerId, credential.fields, credential.source])).toEqual([
      ["jwt_secrets", aliceId, { key: "a", secret: "s" }, "consumers[0].jwt_secrets[0]"],
      ["jwt_secrets", aliceId, { key: "b", secret: "t" }, "jwt_secrets[0]"],
      ["keyauth_credentials", aliceId, { key: "k" }, "keyauth_credentials[0]"],
    ]);
    expect(config.credentials[1]!.id).toBe("1b7c8f9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f");
  });

  it.each([
    [{ consumers: [{ tags: ["x"] }] }, "consumers[0]", "at least one of these fields must be non-empty: 'custom_id', 'username'"],
    [{ consumers: [{ username: "a", nickname: "x" }] }, "consumers[0].nickname", "unknown field (a credential collection must be an array of objects)"],
    [{ consumers: [{ username: "a", jwt_secrets: [{ consumer: "a", key: "k" }] }] }, "consumers[0].jwt_secrets[0].consumer", "unknown field (a nested credential belongs to its parent consumer)"],
    [{ consumers: [{ username: "a", jwt_secrets: [{ id: "nope" }] }] }, "consumers[0].jwt_secrets[0].id", expect.stringMatching(/^must match pattern/)],
    [{ jwt_secrets: [{ key: "k" }] }, "jwt_secrets[0].consumer", "required field missing"],
    [{ jwt_secrets: [{ key: "k", consumer: "ghost" }] }, "jwt_secrets[0].consumer", 'no consumer with username "ghost"'],
    [{ servicez: { name: "x" } }, "servicez", "unknown field (a credential collection must be an array of objects)"],
    [{ vaults: [{ name: "x" }] }, "vaults", "'vaults' entities are not supported by Portcullis"],
  ])("refuses %j", (document, path, message) => {
    expect(issues(document)).toEqual([{ path, message }]);
  });
});

describe("plugins", () => {
  it("scopes plugins by nesting and by reference, with defaults", () => {
    const config = valid({
      services: [service({ routes: [route({ name: "r" })], plugins: [{ name: "p1", consumer: "alice" }] })],
      consumers: [{ username: "alice", plugins: [{ name: "p2", route: "r", enabled: false }] }],
      plugins: [{ name: "p3", service: "svc", route: "r", consumer: "alice", protocols: ["https"], instance_name: "three" }, { name: "p1" }],
    });
    const [serviceEntity] = config.services;
    const [routeEntity] = config.routes;
    const [alice] = config.consumers;
    const scopes = config.plugins.map((plugin) => [plugin.name, plugin.serviceId, plugin.routeId, plugin.consumerId]);
    expect(scopes).toEqual([
      ["p1", serviceEntity!.id, undefined, alice!.id],
      ["p2", undefined, routeEntity!.id, alice!.id],
      ["p3", serviceEntity!.id, routeEntity!.id, alice!.id],
      ["p1", undefined, undefined, undefined],
    ]);
    expect(config.plugins[0]).toMatchObject({ protocols: ["grpc", "grpcs", "http", "https"], enabled: true, config: {}, tags: [] });
    expect(config.plugins[1]!.enabled).toBe(false);
    expect(config.plugins[2]).toMatchObject({ protocols: ["https"], instanceName: "three" });
  });

  it("refuses a second plugin of the same name in the same scope", () => {
    expect(
      issues({
        services: [service({ routes: [route({ name: "orders-route", plugins: [{ name: "jwt" }] })] })],
        plugins: [{ name: "cors" }, { name: "jwt", route: "orders-route" }, { name: "cors" }, { name: "jwt", service: "svc" }],
      }),
    ).toEqual([
      { path: "plugins[1]", message: 'plugin "jwt" is already configured for route "orders-route" at services[0].routes[0].plugins[0]' },
      { path: "plugins[2]", message: 'plugin "cors" is already configured globally at plugins[0]' },
    ]);
  });

  it.each([
    [{ plugins: [{ name: "jwt", route: "orderz" }] }, "plugins[0].route", 'no route named "orderz"'],
    [{ plugins: [{ name: "jwt", service: "nope" }] }, "plugins[0].service", 'no service named "nope"'],
    [{ plugins: [{ name: "jwt", consumer: "ghost" }] }, "plugins[0].consumer", 'no consumer with username "ghost"'],
    [{ plugins: [{ config: {} }] }, "plugins[0].name", "required field missing"],
    [{ plugins: [{ name: "jwt", config: [] }] }, "plugins[0].config", "expected object"],
    [{ plugins: [{ name: "jwt", protocols: ["tcp"] }] }, "plugins[0].protocols[0]", "expected one of: http, https, grpc, grpcs"],
    [{ plugins: [{ name: "a", instance_name: "x" }, { name: "b", instance_name: "x" }] }, "plugins[1].instance_name", "uniqueness violation: 'plugins' entity with instance_name set to 'x' already declared at plugins[0]"],
  ])("refuses %j", (document, path, message) => {
    expect(issues(document)).toEqual([{ path, message }]);
  });
});

describe("uniqueness", () => {
  it("refuses duplicate names, usernames, custom_ids and ids", () => {
    const id = "2c1e8f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
    expect(
      issues({
        services: [service({ routes: [route({ name: "r" })] }), service({ id })],
        routes: [route({ name: "r" })],
        upstreams: [{ name: "u", id }, { name: "u" }],
        consumers: [{ username: "a", custom_id: "1" }, { username: "a" }, { username: "b", custom_id: "1", id: id.toUpperCase() }],
      }),
    ).toEqual([
      { path: "services[1].name", message: "uniqueness violation: 'services' entity with name set to 'svc' already declared at services[0]" },
      { path: "routes[0].name", message: "uniqueness violation: 'routes' entity with name set to 'r' already declared at services[0].routes[0]" },
      { path: "upstreams[1].name", message: "uniqueness violation: 'upstreams' entity with name set to 'u' already declared at upstreams[0]" },
      { path: "consumers[1].username", message: "uniqueness violation: 'consumers' entity with username set to 'a' already declared at consumers[0]" },
      { path: "consumers[2].custom_id", message: "uniqueness violation: 'consumers' entity with custom_id set to '1' already declared at consumers[0]" },
    ]);
    expect(issues({ services: [service({ id }), service({ name: "other", id })] })).toEqual([
      { path: "services[1].id", message: `uniqueness violation: 'services' entity with id set to '${id}' already declared at services[0]` },
    ]);
  });
});

describe("the document", () => {
  it("requires _format_version and refuses unknown versions and unquoted numbers", () => {
    expect(normalizeConfig({ services: [] }, { env: {} })).toEqual({
      ok: false,
      issues: [{ path: "_format_version", message: "required field missing" }],
    });
    expect(issues({ _format_version: "4.0" })).toEqual([{ path: "_format_version", message: "expected one of: 1.1, 2.1, 3.0" }]);
    expect(issues({ _format_version: 3 })).toEqual([{ path: "_format_version", message: 'expected a string: write "3.0" in quotes' }]);
  });

  it("accepts _transform, _comment and _workspace", () => {
    expect(valid({ _transform: false, _comment: "hello", _workspace: "default" }).services).toEqual([]);
  });

  it("migrates 1.1 and 2.1 regex-looking paths to ~ form", () => {
    const config = valid({
      _format_version: "2.1",
      services: [service({ routes: [route({ paths: ["/plain", "/v\\d+/orders$"] })] })],
    });
    expect(config.routes[0]!.paths).toEqual(["/plain", "~/v\\d+/orders$"]);
  });

  it("refuses a root that is not a mapping", () => {
    for (const root of [null, [], "text", 3]) {
      expect(normalizeConfig(root, { env: {} })).toEqual({
        ok: false,
        issues: [{ path: "", message: "the config must be a mapping with _format_version, services, routes, ..." }],
      });
    }
  });

  it("reports an unset environment variable with its path and uses set ones", () => {
    expect(issues({ consumers: [{ username: "a", jwt_secrets: [{ key: "k", secret: "${JWT_SECRET}" }] }] })).toEqual([
      { path: "consumers[0].jwt_secrets[0].secret", message: "environment variable JWT_SECRET is not set" },
    ]);
    const config = valid({
      services: [{ name: "svc", url: "http://${HOST:-fallback.test}/api" }],
      plugins: [{ name: "p", config: { template: "$${literal} ${NAME}" } }],
    }, { NAME: "set" });
    expect(config.services[0]).toMatchObject({ host: "fallback.test", path: "/api" });
    expect(config.plugins[0]!.config).toEqual({ template: "${literal} set" });
  });

  it("does not mutate its input", () => {
    const document = { ...V3, services: [service({ routes: [route()] })] };
    const snapshot = structuredClone(document);
    valid(document);
    expect(document).toEqual(snapshot);
  });

  it("reports many problems together, from every stage", () => {
    const found = issues(
      {
        bogus: 1,
        services: [service({ retries: -1, routes: [route({ paths: ["nope"], hosts: ["a.*.b"] })] }), service()],
        routes: [route({ service: "ghost" })],
        upstreams: [{ name: "u", hash_on: "header" }],
        consumers: [{ username: "alice", jwt_secrets: [{ secret: "${MISSING}" }] }],
        plugins: [{ name: "jwt", route: "orderz" }, { name: "cors" }, { name: "cors" }],
      },
      {},
    );
    expect(found).toEqual([
      { path: "consumers[0].jwt_secrets[0].secret", message: "environment variable MISSING is not set" },
      { path: "bogus", message: "unknown field (a credential collection must be an array of objects)" },
      { path: "services[0].retries", message: "must be >= 0" },
      { path: "services[1].name", message: "uniqueness violation: 'services' entity with name set to 'svc' already declared at services[0]" },
      { path: "services[0].routes[0].paths[0]", message: "should start with: / (fixed path) or ~/ (regex path)" },
      { path: "services[0].routes[0].hosts[0]", message: "invalid wildcard: must be placed at leftmost or rightmost label" },
      { path: "routes[0].service", message: 'no service named "ghost"' },
      { path: "upstreams[0].hash_on_header", message: "required field missing" },
      { path: "plugins[0].route", message: 'no route named "orderz"' },
      { path: "plugins[2]", message: 'plugin "cors" is already configured globally at plugins[1]' },
    ]);
  });
});
