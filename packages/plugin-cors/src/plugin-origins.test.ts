/**
 * Kong's regex table (`spec/03-plugins/13-cors/01-access_spec.lua`): every row is a preflight from each origin below.
 * An accepted origin gets the default methods and its ACAO; a rejected one no ACAO. Neither gets Allow-Headers,
 * Expose-Headers, credentials or Max-Age.
 */
import { runPlugin } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import cors from "./plugin.js";

const origins = [
  "http://foo.test",
  "http://foo.test:80",
  "http://foo.test:8000",
  "https://foo.test:8000",
  "http://foo.test:90",
  "http://something.foo.test",
  "evil.test",
  "foo.test.evil.test",
  "something.foo.test",
  "evilfoo.test",
  "foobtest",
  "https://bar.test:1234",
];

const fooHost = {
  "http://foo.test": "http://foo.test",
  "http://foo.test:80": "http://foo.test",
  "http://foo.test:8000": "http://foo.test:8000",
  "https://foo.test:8000": "https://foo.test:8000",
  "http://foo.test:90": "http://foo.test:90",
};
const fooHostOrSubdomain = {
  ...fooHost,
  "http://something.foo.test": "http://something.foo.test",
  "something.foo.test": "something.foo.test",
};
const foo8000 = { "http://foo.test:8000": "http://foo.test:8000", "https://foo.test:8000": "https://foo.test:8000" };
const httpsFoo8000 = { "https://foo.test:8000": "https://foo.test:8000" };
const everyOrigin = (value: string) => Object.fromEntries(origins.map((origin) => [origin, value]));

/** Config origins → the accepted request origins and their expected ACAO; every other origin is rejected. */
const table: [string[], Record<string, string>][] = [
  [["foo.test"], everyOrigin("foo.test")],
  [["https://bar.test:1234"], everyOrigin("https://bar.test:1234")],
  [["foo\\.test"], fooHost],
  [["(.*[./])?foo\\.test"], fooHostOrSubdomain],
  [["(.*[./])?foo\\.test:8000"], foo8000],
  [["https://(.*[.])?foo\\.test:8000"], httpsFoo8000],
  [
    ["^http://(.*[.])?foo\\.test(:(80|90))?$"],
    {
      "http://foo.test": "http://foo.test",
      "http://foo.test:80": "http://foo.test",
      "http://foo.test:90": "http://foo.test:90",
      "http://something.foo.test": "http://something.foo.test",
    },
  ],
  [["foo.test", "bar.test"], {}],
  [
    ["http://foo.test", "https://bar.test:1234"],
    {
      "http://foo.test": "http://foo.test",
      "http://foo.test:80": "http://foo.test",
      "https://bar.test:1234": "https://bar.test:1234",
    },
  ],
  [["bar.test", "foo\\.test"], fooHost],
  [["bar.test", "(.*\\.)?foo\\.test"], fooHostOrSubdomain],
  [["bar.test", "(.*[./])?foo\\.test:8000"], foo8000],
  [["bar.test", "https://(.*\\.)?foo\\.test:8000"], httpsFoo8000],
];

const defaultMethods = "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT";

describe.each(table)("origins %j", (configured, accepted) => {
  it.each(origins)("preflight from %s", async (origin) => {
    const result = await runPlugin(cors, {
      config: { origins: configured },
      request: { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET" } },
    });
    expect(result.status).toBe(200);
    expect(result.headers["access-control-allow-origin"]).toBe(accepted[origin]);
    expect(result.headers["access-control-allow-methods"]).toBe(defaultMethods);
    expect(result.headers.vary).toBe("Origin");
    for (const absent of [
      "access-control-allow-headers",
      "access-control-expose-headers",
      "access-control-allow-credentials",
      "access-control-max-age",
    ]) {
      expect(result.headers[absent]).toBeUndefined();
    }
  });
});
