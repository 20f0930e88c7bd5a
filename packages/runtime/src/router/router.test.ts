import { GatewayError } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import type { RouteEntity } from "../config/types.js";
import { normalizePath } from "./path-normalization.js";
import { compileRouter, type RouteRequest, type Router } from "./router.js";

let routeCount = 0;

function route(fields: Partial<RouteEntity> & { name: string }): RouteEntity {
  const index = routeCount++;
  return {
    id: `route-${fields.name}`,
    serviceId: "service",
    protocols: ["http", "https"],
    methods: undefined,
    hosts: undefined,
    paths: undefined,
    headers: undefined,
    stripPath: true,
    preserveHost: false,
    regexPriority: 0,
    pathHandling: "v0",
    httpsRedirectStatusCode: 426,
    requestBuffering: true,
    responseBuffering: true,
    tags: [],
    source: `routes[${index}]`,
    ...fields,
  };
}

interface RequestInput {
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly protocol?: RouteRequest["protocol"];
  readonly port?: number;
}

function request(input: RequestInput = {}): RouteRequest {
  const headers = input.headers ?? {};
  const path = normalizePath(input.path ?? "/");
  if (path === undefined) throw new Error(`test path ${input.path} is invalid`);
  return {
    method: input.method ?? "GET",
    host: input.host ?? "example.com",
    path,
    protocol: input.protocol ?? "http",
    port: input.port,
    header: (name) => headers[name],
  };
}

function matchedName(router: Router, input: RequestInput = {}): string | undefined {
  return router.match(request(input))?.route.name;
}

describe("compileRouter", () => {
  describe("prefix paths", () => {
    const router = compileRouter([
      route({ name: "root", paths: ["/"] }),
      route({ name: "orders", paths: ["/orders"] }),
      route({ name: "orders-v1", paths: ["/orders/v1"] }),
      route({ name: "admin", paths: ["/admin"] }),
      route({ name: "public", paths: ["/public/"] }),
    ]);

    it.each([
      ["/", "root"],
      ["/orders", "orders"],
      ["/orders/42", "orders"],
      ["/ordersX", "orders"],
      ["/orders/v1", "orders-v1"],
      ["/orders/v1/7", "orders-v1"],
      ["/orders/v10", "orders-v1"],
      ["/orders/v", "orders"],
      ["/public", "root"],
      ["/public/file", "public"],
      ["/other", "root"],
    ])("%s -> %s (longer prefix wins, plain string prefixes)", (path, expected) => {
      expect(matchedName(router, { path })).toBe(expected);
    });

    it("reports the matched prefix", () => {
      expect(router.match(request({ path: "/orders/v1/7" }))).toMatchObject({ matchedPrefix: "/orders/v1", captures: undefined });
      expect(router.match(request({ path: "/x" }))?.matchedPrefix).toBe("/");
    });

    it.each([
      ["/public/../admin"],
      ["/public/%2e%2e/admin"],
      ["/%2e%2e/admin"],
      ["//admin"],
      ["/admin/./x"],
      ["/public/.%2E/admin/"],
      ["/%61dmin"],
    ])("routes the bypass attempt %s to the admin route", (path) => {
      expect(matchedName(router, { path })).toBe("admin");
    });

    it("does not route /Admin or an encoded traversal to the admin route", () => {
      expect(matchedName(router, { path: "/Admin" })).toBe("root");
      expect(matchedName(router, { path: "/public/..%2Fadmin" })).toBe("public");
      expect(matchedName(router, { path: "/admin%2F..%2Fpublic/x" })).toBe("admin");
    });
  });

  it("returns undefined when nothing matches", () => {
    const router = compileRouter([route({ name: "orders", paths: ["/orders"], methods: ["GET"] })]);
    expect(router.match(request({ path: "/users" }))).toBeUndefined();
    expect(router.match(request({ path: "/orders", method: "POST" }))).toBeUndefined();
    expect(compileRouter([]).match(request())).toBeUndefined();
  });

  describe("regex paths", () => {
    it("beats a prefix path of the same weight and is anchored at the start", () => {
      const router = compileRouter([
        route({ name: "long-prefix", paths: ["/users/profile/settings"] }),
        route({ name: "regex", paths: ["~/users/\\d+"] }),
      ]);
      expect(matchedName(router, { path: "/users/42" })).toBe("regex");
      expect(matchedName(router, { path: "/users/profile/settings" })).toBe("long-prefix");
      expect(matchedName(router, { path: "/x/users/42" })).toBeUndefined();
    });

    it("anchors every branch of a top-level alternation", () => {
      const router = compileRouter([route({ name: "regex", paths: ["~/a|/b"] })]);
      expect(matchedName(router, { path: "/b" })).toBe("regex");
      expect(matchedName(router, { path: "/x/b" })).toBeUndefined();
    });

    it("orders regex routes by regex_priority, then declaration", () => {
      const router = compileRouter([
        route({ name: "low", paths: ["~/items/.*"], regexPriority: 0 }),
        route({ name: "high", paths: ["~/items/[0-9]+"], regexPriority: 10 }),
        route({ name: "also-low", paths: ["~/items/[0-9]+"], regexPriority: 0 }),
      ]);
      expect(matchedName(router, { path: "/items/5" })).toBe("high");
      expect(matchedName(router, { path: "/items/x" })).toBe("low");
    });

    it("ignores regex_priority on prefix routes", () => {
      const router = compileRouter([
        route({ name: "prefix", paths: ["/abc"], regexPriority: 100 }),
        route({ name: "regex", paths: ["~/ab"], regexPriority: 0 }),
      ]);
      expect(matchedName(router, { path: "/abc" })).toBe("regex");
    });

    it("returns the matched text and the captures", () => {
      const router = compileRouter([
        route({ name: "named", paths: ["~/v(?<version>[0-9]+)/orders/(?P<id>[a-z]+)"] }),
        route({ name: "plain", paths: ["~/plain/[0-9]+"] }),
      ]);
      const match = router.match(request({ path: "/v2/orders/abc/items" }));
      expect(match?.matchedPrefix).toBe("/v2/orders/abc");
      expect(match?.captures).toEqual({ version: "2", id: "abc" });
      expect(router.match(request({ path: "/plain/12/x" }))).toMatchObject({ matchedPrefix: "/plain/12", captures: undefined });
    });

    it("leaves out named groups that did not take part in the match", () => {
      const router = compileRouter([route({ name: "optional", paths: ["~/p(?:/(?<section>[a-z]+))?(?:/(?<page>[0-9]+))?"] })]);
      expect(router.match(request({ path: "/p/7" }))?.captures).toEqual({ page: "7" });
      expect(router.match(request({ path: "/p" }))?.captures).toEqual({});
    });

    it("matches the normalized path", () => {
      const router = compileRouter([route({ name: "regex", paths: ["~/files/[^/]+$"] })]);
      expect(matchedName(router, { path: "/files/a%2Fb" })).toBe("regex");
      expect(matchedName(router, { path: "/files/%61" })).toBe("regex");
      expect(router.match(request({ path: "/files/%61" }))?.matchedPrefix).toBe("/files/a");
    });

    it("refuses an invalid regex at compile time, naming the field", () => {
      let thrown: unknown;
      try {
        compileRouter([route({ name: "bad", paths: ["/ok", "~/(unclosed"], source: "services[0].routes[2]" })]);
      } catch (error) {
        thrown = error;
      }
      expect(GatewayError.is(thrown)).toBe(true);
      expect((thrown as GatewayError).code).toBe("PC_ERR_CONFIG_INVALID");
      expect((thrown as GatewayError).message).toContain("services[0].routes[2].paths[1]");
    });
  });

  describe("hosts", () => {
    const router = compileRouter([
      route({ name: "exact", hosts: ["api.example.com"] }),
      route({ name: "suffix", hosts: ["*.example.com"] }),
      route({ name: "prefix", hosts: ["example.*"] }),
      route({ name: "ported", hosts: ["ported.test:8443"] }),
      route({ name: "any" }),
    ]);

    it.each([
      ["api.example.com", "exact"],
      ["API.Example.com", "exact"],
      ["api.example.com:8000", "exact"],
      ["api.example.com.", "exact"],
      ["www.example.com", "suffix"],
      ["a.b.example.com", "suffix"],
      ["example.com", "prefix"],
      ["example.org", "prefix"],
      ["example.co.uk", "prefix"],
      ["notexample.com", "any"],
      ["other.test", "any"],
    ])("%s -> %s", (host, expected) => {
      expect(matchedName(router, { host })).toBe(expected);
    });

    it("lets a `/` path outrank a wildcard host (same weight, longer prefix) but not a plain host", () => {
      const router = compileRouter([
        route({ name: "wildcard", hosts: ["*.example.com"] }),
        route({ name: "plain", hosts: ["api.example.com"] }),
        route({ name: "slash", paths: ["/"] }),
      ]);
      expect(matchedName(router, { host: "www.example.com" })).toBe("slash");
      expect(matchedName(router, { host: "api.example.com" })).toBe("plain");
    });

    it("prefers plain hosts over wildcards at the same weight", () => {
      const wildcardFirst = compileRouter([
        route({ name: "wildcard", hosts: ["*.example.com"] }),
        route({ name: "plain", hosts: ["api.example.com"] }),
      ]);
      expect(matchedName(wildcardFirst, { host: "api.example.com" })).toBe("plain");
      expect(matchedName(wildcardFirst, { host: "www.example.com" })).toBe("wildcard");
    });

    it("matches a host written with a port against the local port", () => {
      expect(matchedName(router, { host: "ported.test", port: 8443 })).toBe("ported");
      expect(matchedName(router, { host: "ported.test", port: 8000 })).toBe("any");
      expect(matchedName(router, { host: "ported.test" })).toBe("any");
    });

    it("gives a route with hosts and paths precedence over paths alone", () => {
      const router = compileRouter([
        route({ name: "path-only", paths: ["/api/long/prefix"] }),
        route({ name: "host-and-path", hosts: ["a.test", "b.test"], paths: ["/api"] }),
      ]);
      expect(matchedName(router, { host: "b.test", path: "/api/long/prefix" })).toBe("host-and-path");
      expect(matchedName(router, { host: "c.test", path: "/api/long/prefix" })).toBe("path-only");
    });

    it("refuses a wildcard in the middle", () => {
      expect(() => compileRouter([route({ name: "bad", hosts: ["a.*.com"] })])).toThrow(/hosts\[0\]/);
    });
  });

  describe("methods", () => {
    const router = compileRouter([
      route({ name: "read", paths: ["/items"], methods: ["GET", "HEAD"] }),
      route({ name: "write", paths: ["/items"], methods: ["POST"] }),
      route({ name: "all", paths: ["/items/all/of/them"] }),
    ]);

    it.each([
      ["GET", "/items", "read"],
      ["HEAD", "/items", "read"],
      ["POST", "/items", "write"],
      ["DELETE", "/items", undefined],
      // methods + paths outweighs a longer prefix alone
      ["GET", "/items/all/of/them", "read"],
      ["DELETE", "/items/all/of/them", "all"],
    ])("%s %s -> %s", (method, path, expected) => {
      expect(matchedName(router, { method, path })).toBe(expected);
    });
  });

  describe("headers", () => {
    const router = compileRouter([
      route({ name: "v2", paths: ["/api"], headers: { "x-version": ["V2", "v3"] } }),
      route({ name: "two-headers", paths: ["/api"], headers: { "x-version": ["v2"], "x-tenant": ["acme"] } }),
      route({ name: "regex", paths: ["/api"], headers: { "x-client": ["~*^mobile-[0-9]+$"] } }),
      route({ name: "plain", paths: ["/api"] }),
    ]);

    it.each([
      [{ "x-version": "v2" }, "v2"],
      [{ "x-version": "V3" }, "v2"],
      [{ "x-version": "v2", "x-tenant": "ACME" }, "two-headers"],
      [{ "x-version": "v1" }, "plain"],
      [{ "x-version": "v1, v3" }, "v2"],
      [{ "x-client": "Mobile-42" }, "regex"],
      [{ "x-client": "mobile-x" }, "plain"],
      [{}, "plain"],
    ])("%j -> %s", (headers, expected) => {
      expect(matchedName(router, { path: "/api", headers })).toBe(expected);
    });

    it("never serves a header-dependent answer from the cache", () => {
      expect(matchedName(router, { path: "/api", headers: { "x-version": "v2" } })).toBe("v2");
      expect(matchedName(router, { path: "/api" })).toBe("plain");
      expect(matchedName(router, { path: "/api", headers: { "x-version": "v2" } })).toBe("v2");
    });
  });

  describe("protocols", () => {
    const router = compileRouter([
      route({ name: "grpc", paths: ["/"], protocols: ["grpc", "grpcs"] }),
      route({ name: "http", paths: ["/"], protocols: ["http", "https"] }),
      route({ name: "https-only", paths: ["/secure"], protocols: ["https"] }),
    ]);

    it.each([
      ["grpc", "/", "grpc"],
      ["grpcs", "/", "grpc"],
      ["http", "/", "http"],
      ["https", "/", "http"],
      ["https", "/secure", "https-only"],
      // The runtime answers a plain-http request on an https-only route with https_redirect_status_code.
      ["http", "/secure", "https-only"],
      ["grpc", "/secure", "grpc"],
    ] as const)("%s %s -> %s", (protocol, path, expected) => {
      expect(matchedName(router, { protocol, path })).toBe(expected);
    });
  });

  describe("routes with several paths", () => {
    it("splits them so each path competes with its own priority", () => {
      const router = compileRouter([
        route({ name: "multi", paths: ["/a", "/b/very/long", "~/c/[0-9]+"] }),
        route({ name: "mid", paths: ["/b/very"] }),
        route({ name: "a-longer", paths: ["/a/b"] }),
      ]);
      expect(matchedName(router, { path: "/b/very/long/x" })).toBe("multi");
      expect(matchedName(router, { path: "/b/very/x" })).toBe("mid");
      expect(matchedName(router, { path: "/a/b" })).toBe("a-longer");
      expect(matchedName(router, { path: "/a/c" })).toBe("multi");
      expect(router.match(request({ path: "/c/12/d" }))?.matchedPrefix).toBe("/c/12");
    });
  });

  describe("ties", () => {
    it("keep declaration order", () => {
      const router = compileRouter([
        route({ name: "first", paths: ["/same"] }),
        route({ name: "second", paths: ["/same"] }),
        route({ name: "first-host", hosts: ["h.test"] }),
        route({ name: "second-host", hosts: ["h.test"] }),
      ]);
      expect(matchedName(router, { path: "/same" })).toBe("first");
      expect(matchedName(router, { path: "/other", host: "h.test" })).toBe("first-host");
    });
  });

  describe("weights combine across criteria", () => {
    it("ranks by match weight, then plain hosts, then header count", () => {
      const router = compileRouter([
        route({ name: "path", paths: ["/x"] }),
        route({ name: "path-method", paths: ["/x"], methods: ["GET"] }),
        route({ name: "path-method-wildcard", paths: ["/x"], methods: ["GET"], hosts: ["*.test"] }),
        route({ name: "path-method-plain", paths: ["/x"], methods: ["GET"], hosts: ["a.test"] }),
        route({ name: "headers-one", paths: ["/x"], methods: ["GET"], hosts: ["*.test"], headers: { "x-a": ["1"] } }),
        route({ name: "headers-two", paths: ["/x"], methods: ["GET"], hosts: ["*.test"], headers: { "x-a": ["1"], "x-b": ["2"] } }),
      ]);
      expect(matchedName(router, { path: "/x", host: "z.test", headers: { "x-a": "1", "x-b": "2" } })).toBe("headers-two");
      expect(matchedName(router, { path: "/x", host: "z.test", headers: { "x-a": "1" } })).toBe("headers-one");
      expect(matchedName(router, { path: "/x", host: "a.test" })).toBe("path-method-plain");
      expect(matchedName(router, { path: "/x", host: "z.test" })).toBe("path-method-wildcard");
      expect(matchedName(router, { path: "/x", host: "other" })).toBe("path-method");
      expect(matchedName(router, { path: "/x", host: "other", method: "POST" })).toBe("path");
    });
  });

  describe("cache", () => {
    it("gives the same answers with and without the cache", () => {
      const routes = [
        route({ name: "a", paths: ["/a"], hosts: ["one.test"] }),
        route({ name: "b", paths: ["~/b/(?<id>[0-9]+)"] }),
        route({ name: "c", paths: ["/c"], methods: ["POST"] }),
        route({ name: "d", hosts: ["*.wild.test"] }),
      ];
      const cached = compileRouter(routes, { cacheSize: 4 });
      const uncached = compileRouter(routes, { cacheSize: 0 });
      const inputs: RequestInput[] = [];
      for (const host of ["one.test", "x.wild.test", "two.test"]) {
        for (const path of ["/a", "/a/1", "/b/1", "/b/x", "/c", "/"]) {
          for (const method of ["GET", "POST"]) inputs.push({ host, path, method });
        }
      }
      for (let round = 0; round < 3; round++) {
        for (const input of inputs) {
          expect(cached.match(request(input)), JSON.stringify(input)).toEqual(uncached.match(request(input)));
        }
      }
    });

    it("does not mix requests whose host contains the key separator", () => {
      const router = compileRouter([route({ name: "a", hosts: ["a"], paths: ["/b"] })]);
      expect(matchedName(router, { host: "a\u0000/x", path: "/b" })).toBeUndefined();
      expect(matchedName(router, { host: "a", path: "/b" })).toBe("a");
    });
  });

  it("matches non-ASCII prefix paths in their percent-encoded form", () => {
    const router = compileRouter([route({ name: "cafe", paths: ["/café"] })]);
    expect(matchedName(router, { path: "/caf%c3%a9/menu" })).toBe("cafe");
    expect(matchedName(router, { path: "/caf\u00c3\u00a9" })).toBe("cafe");
  });

  it("compares prefix paths and hosts from the config in their normalized form", () => {
    const router = compileRouter([
      route({ name: "escaped", paths: ["/a%2fb"] }),
      route({ name: "dotted-host", hosts: ["API.Example.com."] }),
    ]);
    expect(matchedName(router, { path: "/a%2Fb/c" })).toBe("escaped");
    expect(matchedName(router, { path: "/a/b" })).toBeUndefined();
    expect(matchedName(router, { host: "api.example.com", path: "/x" })).toBe("dotted-host");
  });

  it("hands out frozen matches, so a cached answer cannot be altered by one request for the next", () => {
    const router = compileRouter([route({ name: "regex", paths: ["~/r/(?<id>[0-9]+)"] }), route({ name: "prefix", paths: ["/p"] })]);
    const first = router.match(request({ path: "/r/1" }));
    const second = router.match(request({ path: "/r/1" }));
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.captures)).toBe(true);
    expect(Object.isFrozen(router.match(request({ path: "/p" })))).toBe(true);
  });

  it("treats empty criteria lists as absent", () => {
    const router = compileRouter([route({ name: "empty", methods: [], hosts: [], paths: [], headers: {} })]);
    expect(matchedName(router, { path: "/anything", method: "PATCH", host: "any.test" })).toBe("empty");
  });

  describe("agrees with a linear scan in Kong's priority order", () => {
    let seed = 0x1234567;
    const next = (limit: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % limit;
    };
    const pick = <T,>(values: readonly T[]): T => values[next(values.length)]!;
    const pathPool = ["/", "/a", "/ab", "/a/", "/a/b", "/b", "/a/b/c", "~/a/[0-9]+", "~/b", "~/(?:a|b)/c"];
    const hostPool = ["x.test", "y.test", "*.test", "x.*"];

    function randomRoute(index: number): RouteEntity {
      const pathCount = next(3);
      return route({
        name: `r${index}`,
        paths: pathCount === 0 ? undefined : Array.from({ length: pathCount }, () => pick(pathPool)),
        hosts: next(2) === 0 ? undefined : Array.from({ length: 1 + next(2) }, () => pick(hostPool)),
        methods: next(3) === 0 ? [pick(["GET", "POST"])] : undefined,
        headers: next(4) === 0 ? { "x-h": ["1"] } : undefined,
        regexPriority: next(3),
      });
    }

    function hostAccepted(pattern: string, host: string): boolean {
      if (pattern.startsWith("*")) return host.length > pattern.length - 1 && host.endsWith(pattern.slice(1));
      if (pattern.endsWith("*")) return host.length > pattern.length - 1 && host.startsWith(pattern.slice(0, -1));
      return pattern === host;
    }

    function linearScan(routes: readonly RouteEntity[], input: Required<Pick<RequestInput, "method" | "host" | "path">> & { headers: Record<string, string> }) {
      const found: Array<{ name: string; key: number[] }> = [];
      routes.forEach((candidate, routeIndex) => {
        const paths = candidate.paths ?? [undefined];
        paths.forEach((path, pathIndex) => {
          if (candidate.methods && !candidate.methods.includes(input.method)) return;
          if (candidate.hosts && !candidate.hosts.some((host) => hostAccepted(host, input.host))) return;
          if (candidate.headers && input.headers["x-h"] !== "1") return;
          const regex = path?.startsWith("~") === true;
          if (path !== undefined && !(regex ? new RegExp(`^(?:${path.slice(1)})`).test(input.path) : input.path.startsWith(path))) return;
          const weight = [candidate.methods, candidate.hosts, candidate.headers, candidate.paths].filter((field) => field !== undefined).length;
          const plain = candidate.hosts !== undefined && !candidate.hosts.some((host) => host.includes("*")) ? 1 : 0;
          const headerCount = candidate.headers ? 1 : 0;
          found.push({
            name: candidate.name!,
            key: [-weight, -plain, -headerCount, regex ? -1 : 0, regex ? -candidate.regexPriority : 0, regex || path === undefined ? 0 : -path.length, routeIndex, pathIndex],
          });
        });
      });
      found.sort((left, right) => {
        for (let index = 0; index < left.key.length; index++) {
          const difference = left.key[index]! - right.key[index]!;
          if (difference !== 0) return difference;
        }
        return 0;
      });
      return found[0]?.name;
    }

    it("for 300 random route tables", () => {
      const requestPaths = ["/", "/a", "/ab", "/abc", "/a/", "/a/1", "/a/b", "/a/b/c", "/b", "/bc", "/b/c", "/c"];
      const requestHosts = ["x.test", "y.test", "z.test", "x.other", "q"];
      let matched = 0;
      for (let table = 0; table < 300; table++) {
        const routes = Array.from({ length: 1 + next(8) }, (_, index) => randomRoute(index));
        const router = compileRouter(routes);
        for (const path of requestPaths) {
          for (const host of requestHosts) {
            for (const method of ["GET", "POST"]) {
              for (const headers of [{}, { "x-h": "1" }] as Record<string, string>[]) {
                const expected = linearScan(routes, { method, host, path, headers });
                if (expected !== undefined) matched++;
                expect(matchedName(router, { method, host, path, headers }), JSON.stringify({ table, path, host, method, headers })).toBe(expected);
              }
            }
          }
        }
      }
      expect(matched).toBeGreaterThan(10_000);
    });
  });
});
