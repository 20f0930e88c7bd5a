import { describe, expect, it } from "vitest";
import { checkName, checkPath, checkRouteHost, checkRoutePath, isHost, splitHostPort } from "./validators.js";

describe("checkRoutePath", () => {
  it.each(["/", "/orders", "/v1/orders/", "~/v[0-9]+/orders$", "/a%2Fb", "/x:y@z"])("accepts %s", (path) => {
    expect(checkRoutePath(path)).toBeUndefined();
  });

  it.each([
    ["orders", "should start with: / (fixed path) or ~/ (regex path)"],
    ["~orders", "should start with: / (fixed path) or ~/ (regex path)"],
    ["/a//b", "must not have empty segments"],
    ["/a%zz", "invalid url-encoded value: '%zz'"],
    ["/a b", "invalid path: '/a b' (characters outside of the reserved list of RFC 3986 found)"],
    ["/a/./b", "non-normalized path, consider use '/a/b' instead"],
    ["/%7Euser", "non-normalized path, consider use '/~user' instead"],
  ])("refuses %s", (path, message) => {
    expect(checkRoutePath(path)).toBe(message);
  });

  it("names the path of a regex that does not compile", () => {
    expect(checkRoutePath("~/v(1")).toMatch(/^invalid regex: '~\/v\(1' \(.+\)$/);
  });
});

describe("checkRouteHost", () => {
  it.each(["api.example.test", "*.example.test", "example.*", "api.example.test:8443", "10.0.0.1", "[::1]:80"])(
    "accepts %s",
    (host) => expect(checkRouteHost(host)).toBeUndefined(),
  );

  it.each([
    ["*.example.*", "invalid wildcard: must have at most one wildcard"],
    ["api.*.test", "invalid wildcard: must be placed at leftmost or rightmost label"],
    ["a*.example.test", "invalid wildcard: must be placed at leftmost or rightmost label"],
    ["bad host", "invalid value: bad host"],
    ["api.test:99999", "invalid value: api.test:99999"],
  ])("refuses %s", (host, message) => expect(checkRouteHost(host)).toBe(message));
});

describe("other validators", () => {
  it("checks Kong names", () => {
    expect(checkName("orders-v1.2_~")).toBeUndefined();
    expect(checkName("café")).toBeUndefined();
    expect(checkName("a b")).toBe(
      "invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~",
    );
  });

  it("checks service paths", () => {
    expect(checkPath("/api")).toBeUndefined();
    expect(checkPath("api")).toBe("should start with: /");
    expect(checkPath("/a//b")).toBe("must not have empty segments");
  });

  it("splits hosts and ports, including IPv6", () => {
    expect(splitHostPort("a.test:80")).toEqual({ host: "a.test", port: "80" });
    expect(splitHostPort("[::1]:8080")).toEqual({ host: "::1", port: "8080" });
    expect(splitHostPort("[::1]")).toEqual({ host: "::1", port: undefined });
    expect(splitHostPort("fe80::1")).toEqual({ host: "fe80::1", port: undefined });
    expect(splitHostPort("[zz]:1")).toBeUndefined();
    expect(isHost("[::1]")).toBe(true);
    expect(isHost("-bad")).toBe(false);
  });
});
