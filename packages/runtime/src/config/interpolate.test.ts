// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests are about literal ${VAR} references.
import { describe, expect, it } from "vitest";
import { interpolateEnv } from "./interpolate.js";

describe("interpolateEnv", () => {
  const env = { SECRET: "s3cr3t", HOST: "orders.internal", EMPTY: "" };

  it("replaces references in every nested string and leaves keys and non-strings alone", () => {
    const document = {
      services: [{ url: "http://${HOST}:8080/api", retries: 3, enabled: true, "${HOST}": "key untouched" }],
      consumers: [{ jwt_secrets: [{ secret: "${SECRET}", extra: null }] }],
    };
    const result = interpolateEnv(document, env);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({
      services: [{ url: "http://orders.internal:8080/api", retries: 3, enabled: true, "${HOST}": "key untouched" }],
      consumers: [{ jwt_secrets: [{ secret: "s3cr3t", extra: null }] }],
    });
    expect(document.services[0]!.url).toBe("http://${HOST}:8080/api");
  });

  it("treats $${...} as a literal and a lone $ as text", () => {
    const result = interpolateEnv({ a: "$${SECRET} and ${SECRET} cost $5 ~/v[0-9]+$" }, env);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({ a: "${SECRET} and s3cr3t cost $5 ~/v[0-9]+$" });
  });

  it("uses :- fallbacks when the variable is unset or empty, as a shell does", () => {
    const result = interpolateEnv(
      ["${MISSING:-fallback}", "${EMPTY:-used}", "${SECRET:-unused}", "${MISSING:-}", "${MISSING:-a:b}"],
      env,
    );
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual(["fallback", "used", "s3cr3t", "", "a:b"]);
  });

  it("keeps an empty but set variable without a fallback", () => {
    expect(interpolateEnv({ a: "x${EMPTY}y" }, env).value).toEqual({ a: "xy" });
  });

  it("reports every unset variable with its JSON path", () => {
    const result = interpolateEnv(
      { consumers: [{ jwt_secrets: [{ secret: "${JWT_SECRET}" }] }], plugins: [{ config: { k: "${A}${B}" } }] },
      env,
    );
    expect(result.issues).toEqual([
      { path: "consumers[0].jwt_secrets[0].secret", message: "environment variable JWT_SECRET is not set" },
      { path: "plugins[0].config.k", message: "environment variable A is not set" },
      { path: "plugins[0].config.k", message: "environment variable B is not set" },
    ]);
  });

  it("reports malformed and unterminated references", () => {
    const result = interpolateEnv({ a: "${1BAD}", b: "${OPEN" }, env);
    expect(result.issues).toEqual([
      { path: "a", message: 'invalid variable reference "${1BAD}" (write $${ for a literal ${)' },
      { path: "b", message: 'unterminated variable reference "${OPEN" (write $${ for a literal ${)' },
    ]);
  });

  it("prefixes paths with a base path and handles a string root", () => {
    expect(interpolateEnv("${NOPE}", env, "root").issues).toEqual([
      { path: "root", message: "environment variable NOPE is not set" },
    ]);
  });

  it("reports a circular reference instead of recursing forever", () => {
    const looped: Record<string, unknown> = { name: "x" };
    looped.self = { again: looped };
    const shared = { a: 1 };
    const result = interpolateEnv({ looped, one: shared, two: shared }, env);
    expect(result.issues).toEqual([{ path: "looped.self.again", message: "circular reference" }]);
    expect(result.value).toEqual({ looped: { name: "x", self: { again: null } }, one: { a: 1 }, two: { a: 1 } });
  });
});
