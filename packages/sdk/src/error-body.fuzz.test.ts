/**
 * Property tests of the error template: the Accept header and the request id come from the client, the message may
 * quote client input. Every format must stay well-formed and carry the text without letting it break out.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeExitBody, renderErrorBody } from "./error-body.js";

const accept = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc
    .array(
      fc.tuple(
        fc.constantFrom("text/html", "application/xml", "text/xml", "text/plain", "application/json", "application/problem+json", "*/*", "image/*", ""),
        fc.constantFrom("", ";q=0", ";q=0.5", ";q=1", ";q=abc", ";q=", ";q=1e999", ";level=1", ";q=-1"),
      ),
      { maxLength: 4 },
    )
    .map((parts) => parts.map(([type, parameter]) => type + parameter).join(", ")),
);
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("</p><script>alert(1)</script>", "]]><x>", '"},"admin":true,"x":{"', "\u2028\u2029", "\\", "&amp;"));

describe("renderErrorBody", () => {
  it("never throws and keeps the message and request id inside their fields", () => {
    fc.assert(
      fc.property(text, text, fc.option(accept, { nil: undefined }), (message, requestId, acceptValue) => {
        const rendered = renderErrorBody(message, requestId, acceptValue);
        if (rendered.contentType.startsWith("application/json")) {
          expect(JSON.parse(rendered.body)).toEqual({ message, request_id: requestId });
        } else if (rendered.contentType.startsWith("text/html") || rendered.contentType.startsWith("application/xml")) {
          // Markup formats: the only tags are the template's own, whatever the message holds.
          const tags = rendered.body.match(/<[^>]*>/g) ?? [];
          const template = renderErrorBody("m", "r", acceptValue).body.match(/<[^>]*>/g) ?? [];
          expect(tags).toEqual(template);
        } else {
          expect(rendered.contentType.startsWith("text/plain")).toBe(true);
          expect(rendered.body.startsWith(message)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("encodeExitBody", () => {
  it("encodes any JSON value, string or bytes without throwing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array({ maxLength: 32 })), (body) => {
        const encoded = encodeExitBody(body);
        expect(Buffer.isBuffer(encoded.body)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
