/**
 * Property tests of the CORS origin matcher and the plugin: an arbitrary Origin is allowed only when a configured
 * entry really matches it, the answer never echoes anything but an allowed origin, and nothing throws.
 */
import { runPlugin } from "@portcullis/sdk/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeOrigin } from "./normalize-origin.js";
import { compileOriginPolicy } from "./origin-policy.js";
import cors from "./plugin.js";

const originPiece = fc.constantFrom(
  "https://", "http://", "HTTPS://", "null", "file://", "//", ":", ":443", ":80", ":8443", "@", "/", "#", "?", "%2e", ".", "..",
  "app.example.test", "example.test", ".example.test", "evil.test", "evilexample.test", "[::1]", "[", "]", "*", "\\", " ", "\t",
  "\u0000", "\u00e9", "xn--", "a", "-", "%",
);
const origin = fc.oneof(fc.array(originPiece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join("")), fc.string({ maxLength: 40 }));

const exactEntries = ["https://app.example.test", "http://api.example.test:8080"];
const exact = compileOriginPolicy({ origins: exactEntries, credentials: true, allowAnyOriginWithCredentials: false });
const byDomainRegex = compileOriginPolicy({ origins: ["https://.*\\.example\\.test", "https://app.example.test"], credentials: true, allowAnyOriginWithCredentials: false });
const byHostRegex = compileOriginPolicy({ origins: ["[a-z]+\\.example\\.test", "https://app.example.test"], credentials: false, allowAnyOriginWithCredentials: false });

describe("origin matching", () => {
  it("normalizeOrigin never throws", () => {
    fc.assert(
      fc.property(origin, (value) => {
        const normalized = normalizeOrigin(value);
        expect(typeof normalized.domain).toBe("string");
        expect(typeof normalized.host).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });

  it("an exact list allows only its own origins, and allows credentials only for them", () => {
    fc.assert(
      fc.property(origin, (value) => {
        const decision = exact.resolve(value);
        if (decision.allowOrigin === null) {
          expect(decision.credentials).toBe(false);
        } else {
          expect(exactEntries).toContain(decision.allowOrigin);
          expect(decision.vary).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("a domain regex is anchored: what it allows is an https origin under example.test", () => {
    fc.assert(
      fc.property(origin, (value) => {
        const decision = byDomainRegex.resolve(value);
        if (decision.allowOrigin === null) {
          expect(decision.credentials).toBe(false);
          return;
        }
        expect(decision.allowOrigin.startsWith("https://")).toBe(true);
        expect(decision.allowOrigin.endsWith(".example.test")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("a host regex is anchored to the whole host", () => {
    fc.assert(
      fc.property(origin, (value) => {
        const decision = byHostRegex.resolve(value);
        if (decision.allowOrigin === null) return;
        expect(decision.credentials).toBe(false);
        const host = normalizeOrigin(value).host;
        expect(decision.allowOrigin === "https://app.example.test" || /^[a-z]+\.example\.test$/.test(host)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("gives the same answer for the same origin however many distinct origins came before (the bounded cache)", () => {
    fc.assert(
      fc.property(fc.array(origin, { minLength: 1, maxLength: 50 }), (values) => {
        const fresh = compileOriginPolicy({ origins: exactEntries, credentials: true, allowAnyOriginWithCredentials: false });
        for (const value of values) expect(exact.resolve(value)).toEqual(fresh.resolve(value));
      }),
      { numRuns: 200 },
    );
  });
});

describe("the cors plugin under arbitrary preflight and simple requests", () => {
  const requestHeaders = fc.record(
    {
      origin,
      "access-control-request-method": fc.oneof(fc.constantFrom("GET", "PUT", "DELETE", "", "get", "GET, POST"), fc.string({ maxLength: 12 })),
      "access-control-request-headers": fc.oneof(fc.constantFrom("x-a, x-b", "*", "", ",,,", "authorization"), fc.string({ maxLength: 30 })),
      "access-control-request-private-network": fc.constantFrom("true", "false", ""),
    },
    { requiredKeys: [] },
  );

  it("never fails, and only ever allows a configured origin", async () => {
    await fc.assert(
      fc.asyncProperty(requestHeaders, fc.constantFrom("OPTIONS", "GET", "POST"), async (headers, method) => {
        const result = await runPlugin(cors, {
          config: { origins: ["https://app.example.test", "https://.*\\.partner\\.test"], credentials: true, private_network: true },
          request: { method, path: "/", headers },
        });
        expect(result.errors).toEqual([]);
        expect(result.status).toBeLessThan(500);
        const allowed = result.headers["access-control-allow-origin"];
        if (allowed !== undefined) {
          const value = String(allowed);
          expect(value === "https://app.example.test" || /^https:\/\/.*\.partner\.test$/.test(value)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
