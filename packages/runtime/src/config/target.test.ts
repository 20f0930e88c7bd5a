import { describe, expect, it } from "vitest";
import { parseTarget } from "./target.js";

describe("parseTarget", () => {
  it.each([
    ["10.0.0.11:8000", { host: "10.0.0.11", port: 8000 }],
    ["10.0.0.11", { host: "10.0.0.11", port: 8000 }],
    ["orders.internal:9000", { host: "orders.internal", port: 9000 }],
    ["orders.internal", { host: "orders.internal", port: 8000 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
    ["[::1]", { host: "::1", port: 8000 }],
    ["fe80::1", { host: "fe80::1", port: 8000 }],
  ])("parses %s", (target, expected) => {
    expect(parseTarget(target)).toEqual(expected);
  });

  it.each([
    ["bad host:80", "Invalid target ('bad host:80'); not a valid hostname or ip address"],
    ["[::1", "Invalid target ('[::1'); not a valid hostname or ip address"],
    ["a.test:0", "Invalid target ('a.test:0'); port must be between 1 and 65535"],
    ["a.test:70000", "Invalid target ('a.test:70000'); port must be between 1 and 65535"],
    [":80", "Invalid target (':80'); not a valid hostname or ip address"],
  ])("refuses %s", (target, error) => {
    expect(parseTarget(target)).toEqual({ error });
  });
});
