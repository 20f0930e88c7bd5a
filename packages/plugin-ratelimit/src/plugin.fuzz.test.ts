/**
 * Property tests of rate-limiting with a client-chosen identifier (`limit_by: header`): whatever the header holds,
 * the plugin answers 200 or 429 without errors, and one client's value can never spend another client's quota.
 */
import { createHarness } from "@portcullis/sdk/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import rateLimiting from "./index.js";

const identifier = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("}", "{", "}:0:minute", "a}:1800000000000:minute", ":", "*", "\\", "ratelimit:{", "__proto__", "constructor", " "),
  fc.array(fc.constantFrom("{", "}", ":", "a", "0", "minute", "second", "\u00e9"), { maxLength: 10 }).map((parts) => parts.join("")),
);

describe("rate-limiting keyed by a client-supplied header", () => {
  it("answers 200 or 429 without errors, and distinct identifiers never share a counter", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(identifier, { minLength: 2, maxLength: 6 }), async (values) => {
        const harness = await createHarness([{ plugin: rateLimiting, config: { minute: 1, limit_by: "header", header_name: "x-client", policy: "local" } }], {
          now: () => 1_800_000_000_000,
        });
        try {
          for (const value of values) {
            const first = await harness.request({ headers: { "x-client": value } });
            expect(first.errors).toEqual([]);
            // An empty value falls back to the client IP, a bucket of its own that nothing earlier in this run used.
            if (value !== "") expect(first.status).toBe(200);
          }
          for (const value of values) {
            const second = await harness.request({ headers: { "x-client": value } });
            expect(second.errors).toEqual([]);
            expect(second.status).toBe(429);
          }
        } finally {
          await harness.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
