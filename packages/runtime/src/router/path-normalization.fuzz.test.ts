/** Property tests of normalizePath: whatever bytes a client puts in a request-target, the result is one safe form. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizePath } from "./path-normalization.js";

/** Pieces that matter to path parsers: delimiters, dot segments in every spelling, escapes good and bad. */
const piece = fc.constantFrom(
  "/", "//", ".", "..", "%2e", "%2E", "%2e%2e", ".%2e", "%2f", "%2F", "%5c", "%5C", "\\", "%25", "%252e", "%",
  "%0", "%zz", "%00", "%41", "%7e", ";", "..;", "?", "#", " ", "\t", "\0", "\u00e9", "\u{1f600}", "\ud800", "a",
  "B", "public", "admin", "~", "*", "@", ":", "+", "&", "=", "[", "]", "'", '"', "<", ">", "\u007f", "\u0080",
);
const pieces = fc.array(piece, { maxLength: 16 }).map((parts) => `/${parts.join("")}`);
const anyPath = fc.oneof(pieces, fc.string({ maxLength: 40 }).map((text) => `/${text}`), fc.string({ maxLength: 40 }));

function segments(path: string): string[] {
  return path.split("/").slice(1);
}

describe("normalizePath properties", () => {
  it("never throws, and yields a rooted path or undefined", () => {
    fc.assert(
      fc.property(anyPath, (raw) => {
        const normalized = normalizePath(raw);
        if (normalized !== undefined) expect(normalized.startsWith("/")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(anyPath, (raw) => {
        const normalized = normalizePath(raw);
        if (normalized !== undefined) expect(normalizePath(normalized)).toBe(normalized);
      }),
      { numRuns: 3000 },
    );
  });

  it("never yields dot segments, empty segments, encoded dots or control characters", () => {
    fc.assert(
      fc.property(anyPath, (raw) => {
        const normalized = normalizePath(raw);
        if (normalized === undefined) return;
        expect(normalized).not.toContain("//");
        const parts = segments(normalized);
        // Only a trailing slash may leave an empty last segment.
        for (const [index, segment] of parts.entries()) {
          expect(segment === "." || segment === "..").toBe(false);
          if (segment === "") expect(index).toBe(parts.length - 1);
        }
        expect(/%2e/i.test(normalized)).toBe(false);
        expect(/[\u0000-\u0020\u007f-\uffff\\]/.test(normalized)).toBe(false);
        expect(/%(?![0-9A-F]{2})/.test(normalized)).toBe(false);
      }),
      { numRuns: 3000 },
    );
  });

  it("agrees with a WHATWG URL parser on where the path points", () => {
    fc.assert(
      fc.property(pieces, (raw) => {
        const normalized = normalizePath(raw);
        if (normalized === undefined) return;
        // What a lenient upstream resolves the forwarded path to must be the path the router matched.
        const resolved = new URL(normalized, "http://upstream").pathname;
        expect(normalizePath(resolved)).toBe(normalized);
      }),
      { numRuns: 2000 },
    );
  });
});
