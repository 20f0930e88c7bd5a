import { describe, expect, it } from "vitest";
import type { RouteEntity } from "../config/types.js";
import { normalizePath } from "./path-normalization.js";
import { compileRouter, type RouteMatch } from "./router.js";
import { upstreamPath } from "./upstream-path.js";

function routeEntity(stripPath: boolean, paths?: readonly string[]): RouteEntity {
  return {
    id: "route",
    name: "route",
    serviceId: "service",
    protocols: ["http", "https"],
    methods: undefined,
    hosts: undefined,
    paths,
    headers: undefined,
    stripPath,
    preserveHost: false,
    regexPriority: 0,
    pathHandling: "v0",
    httpsRedirectStatusCode: 426,
    requestBuffering: true,
    responseBuffering: true,
    tags: [],
    source: "routes[0]",
  };
}

/** Runs the real router so that matchedPrefix is what the runtime will pass. */
function resolve(servicePath: string | undefined, routePath: string | undefined, stripPath: boolean, requestPath: string): string {
  const router = compileRouter([routeEntity(stripPath, routePath === undefined ? undefined : [routePath])]);
  const path = normalizePath(requestPath)!;
  const match = router.match({ method: "GET", host: "example.com", path, protocol: "http", header: () => undefined });
  if (match === undefined) throw new Error(`${requestPath} did not match ${routePath}`);
  return upstreamPath(servicePath, path, match);
}

describe("upstreamPath (Kong v0)", () => {
  // [service path, route path, strip_path, request path, upstream path]
  const cases: ReadonlyArray<readonly [string | undefined, string | undefined, boolean, string, string]> = [
    // service path `/` (ends with a slash)
    ["/", "/foo", true, "/foo", "/"],
    ["/", "/foo", true, "/foo/", "/"],
    ["/", "/foo", true, "/foo/bar", "/bar"],
    ["/", "/foo", true, "/foobar", "/bar"],
    ["/", "/foo/", true, "/foo/", "/"],
    ["/", "/foo", false, "/foo/bar", "/foo/bar"],
    ["/", "/foo", false, "/foo", "/foo"],
    ["/", "/", false, "/", "/"],
    // no service path behaves as `/`
    [undefined, "/foo", true, "/foo/bar", "/bar"],
    [undefined, "/foo", true, "/foo", "/"],
    [undefined, "/foo", false, "/foo/bar", "/foo/bar"],
    // service path ending with a slash, strip_path
    ["/srv/", "/foo", true, "/foo", "/srv"],
    ["/srv/", "/foo/", true, "/foo/", "/srv/"],
    ["/srv/", "/foo", true, "/foo/", "/srv/"],
    ["/srv/", "/foo", true, "/foo/bar", "/srv/bar"],
    ["/srv/", "/foo", true, "/foobar", "/srv/bar"],
    ["/srv/", "/foo/", true, "/foo/bar/", "/srv/bar/"],
    // service path ending with a slash, no strip
    ["/srv/", "/foo", false, "/foo/bar", "/srv/foo/bar"],
    ["/srv/", "/foo", false, "/foo", "/srv/foo"],
    ["/srv/", "/", false, "/", "/srv/"],
    // service path without a trailing slash, strip_path
    ["/srv", "/foo", true, "/foo", "/srv"],
    ["/srv", "/foo/", true, "/foo/", "/srv/"],
    ["/srv", "/foo", true, "/foo/", "/srv/"],
    ["/srv", "/foo", true, "/foo/bar", "/srv/bar"],
    ["/srv", "/foo", true, "/foobar", "/srv/bar"],
    ["/srv", "/", true, "/", "/srv"],
    ["/srv", "/", true, "/bar", "/srv/bar"],
    // service path without a trailing slash, no strip
    ["/srv", "/foo", false, "/foo/bar", "/srv/foo/bar"],
    ["/srv", "/foo", false, "/foo/", "/srv/foo/"],
    ["/srv", "/", false, "/", "/srv"],
    // regex routes strip the matched text
    ["/srv", "~/v[0-9]+", true, "/v2/orders", "/srv/orders"],
    ["/srv", "~/v[0-9]+/", true, "/v2/orders", "/srv/orders"],
    ["/srv/", "~/v[0-9]+$", true, "/v2", "/srv"],
    ["/srv", "~/v[0-9]+", false, "/v2/orders", "/srv/v2/orders"],
    // routes without paths strip only the leading slash
    ["/srv", undefined, true, "/x/y", "/srv/x/y"],
    ["/srv", undefined, true, "/", "/srv"],
    ["/srv/", undefined, true, "/x", "/srv/x"],
    ["/srv/", undefined, true, "/", "/srv/"],
    ["/", undefined, true, "/x/", "/x/"],
    // a prefix ending inside a segment leaves no dot segment behind
    ["/srv", "/foo", true, "/foo../x", "/srv/x"],
    ["/srv", "/foo", true, "/foo..", "/srv"],
    ["/srv", "/foo", true, "/foo.", "/srv"],
    ["/srv", "/foo", true, "/foo./", "/srv/"],
    ["/srv/", "/foo", true, "/foo../x", "/srv/x"],
    // what the upstream sees is the normalised path
    ["/srv", "/foo", true, "/foo/x/%2e%2e/bar/./baz", "/srv/bar/baz"],
    ["/srv", "/foo", true, "/foo/a%2fb", "/srv/a%2Fb"],
  ];

  it.each(cases)("service %j route %j strip=%s request %s -> %s", (servicePath, routePath, stripPath, requestPath, expected) => {
    expect(resolve(servicePath, routePath, stripPath, requestPath)).toBe(expected);
  });

  it("keeps dot segments and double slashes out of the upstream path", () => {
    const prefixes = ["/", "/a", "/a/", "/ab", "/a/b", "/a."];
    const services = [undefined, "/", "/s", "/s/", "/s/t"];
    const segments = ["a", "b", "ab", ".", "..", "a.", "a..", "", "%2e", "."];
    let checked = 0;
    for (const prefix of prefixes) {
      const routes = [true, false].map((stripPath) => compileRouter([routeEntity(stripPath, [prefix])]));
      for (const first of segments) {
        for (const second of segments) {
          const path = normalizePath(`/${first}/${second}`)!;
          for (const router of routes) {
            const match: RouteMatch | undefined = router.match({ method: "GET", host: "h", path, protocol: "http", header: () => undefined });
            if (match === undefined) continue;
            for (const servicePath of services) {
              const result = upstreamPath(servicePath, path, match);
              checked++;
              expect(result.startsWith("/"), `${servicePath} ${prefix} ${path}`).toBe(true);
              expect(/\/\.\.?(\/|$)/.test(result), `${servicePath} ${prefix} ${path} -> ${result}`).toBe(false);
              expect(result.includes("//"), `${servicePath} ${prefix} ${path} -> ${result}`).toBe(false);
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });
});
