/**
 * Property tests of every hmac-auth parser that sees client bytes: Kong's Authorization value, RFC 8941 dictionaries
 * (Signature-Input, Signature, Content-Digest), and the whole plugin under arbitrary signature headers.
 */
import { runChain } from "@portcullis/sdk/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseKongAuthorization } from "./kong-authorization.js";
import { hmacAuth } from "./plugin.js";
import { signKongRequest, signRfc9421Request } from "./signing.js";
import { type Dictionary, parseDictionary, serializeInnerList, serializeItem } from "./structured-fields.js";

const now = Date.UTC(2026, 0, 1, 0, 0, 0);
const date = new Date(now).toUTCString();
const consumers = [{ username: "bob", credentials: { hmacauth_credentials: [{ username: "bob", secret: "secret" }] } }];

const kongish = fc.oneof(
  fc.string({ maxLength: 120 }),
  fc
    .tuple(
      fc.constantFrom("hmac", "HMAC", "Hmac", "xhmac", " hmac", "hmac\t", "Signature", ""),
      fc.array(
        fc.tuple(
          fc.constantFrom("username", "algorithm", "headers", "signature", "keyId", "USERNAME", "", "x"),
          fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("bob", "hmac-sha256", "hmac-md5", "date request-line", "", '\\"', "\n")),
        ),
        { maxLength: 6 },
      ),
      fc.constantFrom(", ", ",", " ", ";", ""),
    )
    .map(([scheme, fields, separator]) => `${scheme} ${fields.map(([name, value]) => `${name}="${value}"`).join(separator)}`),
);

const sfPiece = fc.constantFrom(
  "sig1", "sig2", "=", "(", ")", '"@method"', '"@authority"', '"@path"', '"date"', '"content-digest";sf', ";", ";created=1767225600",
  ";keyid=\"bob\"", ";alg=\"hmac-sha256\"", ";expires=1", ";nonce=\"n\"", ":", ":AAAA:", ":@@:", "?1", "?0", "?2", "1.5", "-0",
  "999999999999999", "9999999999999999", "1.2345", " ", ",", "\t", "*", "a-b", "\\", '"', "\u00e9", "%",
);
const sfText = fc.oneof(fc.array(sfPiece, { maxLength: 20 }).map((parts) => parts.join("")), fc.string({ maxLength: 60 }));

function serializeDictionary(dictionary: Dictionary): string {
  return [...dictionary].map(([key, member]) => `${key}=${member.kind === "item" ? serializeItem(member) : serializeInnerList(member)}`).join(", ");
}

describe("parseKongAuthorization", () => {
  it("never throws, and returns four strings or undefined", () => {
    fc.assert(
      fc.property(kongish, (value) => {
        const fields = parseKongAuthorization(value);
        if (fields === undefined) return;
        for (const field of Object.values(fields)) expect(typeof field).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });
});

describe("parseDictionary (RFC 8941)", () => {
  it("never throws", () => {
    fc.assert(
      fc.property(sfText, (value) => {
        parseDictionary(value);
      }),
      { numRuns: 5000 },
    );
  });

  it("round-trips: what it accepts serialises to text it parses to the same value", () => {
    fc.assert(
      fc.property(sfText, (value) => {
        const parsed = parseDictionary(value);
        if (parsed === undefined) return;
        expect(parseDictionary(serializeDictionary(parsed))).toEqual(parsed);
      }),
      { numRuns: 5000 },
    );
  });
});

const signedKong = signKongRequest({ username: "bob", secret: "secret", method: "GET", path: "/resource", headers: { date } });
const signedRfc = signRfc9421Request({ keyId: "bob", secret: "secret", method: "GET", url: "http://gateway.test/resource", created: now / 1000 });

/** Replaces one character of `text` at a chosen position with a chosen character. */
const mutation = (text: string) =>
  fc.tuple(fc.nat({ max: text.length - 1 }), fc.string({ minLength: 1, maxLength: 1 })).map(([index, character]) => text.slice(0, index) + character + text.slice(index + 1));

const headerSet = fc.record(
  {
    authorization: fc.oneof(kongish, mutation(signedKong.authorization)),
    "proxy-authorization": kongish,
    "signature-input": fc.oneof(sfText, mutation(signedRfc["signature-input"])),
    signature: fc.oneof(sfText, mutation(signedRfc.signature)),
    date: fc.oneof(fc.constant(date), fc.string({ maxLength: 30 })),
    "x-date": fc.string({ maxLength: 30 }),
    digest: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom("SHA-256=", "SHA-256=x", "sha-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")),
    "content-digest": sfText,
  },
  { requiredKeys: [] },
);

describe("the hmac-auth plugin under arbitrary signature headers", () => {
  it("answers 401, 400 or 413, or passes as bob; never an error", async () => {
    await fc.assert(
      fc.asyncProperty(headerSet, fc.constantFrom("GET", "POST"), fc.string({ maxLength: 40 }), async (headers, method, body) => {
        const result = await runChain(
          [{ plugin: hmacAuth, config: { signature_formats: ["kong", "rfc9421"], validate_request_body: true, enforce_headers: [] } }],
          { consumers, now: () => now, request: { method, path: "/resource", headers: { host: "gateway.test", ...headers }, body: method === "POST" ? body : undefined } },
        );
        expect(result.errors).toEqual([]);
        expect([200, 400, 401, 413]).toContain(result.status);
        if (result.status === 200) expect(result.consumer?.username).toBe("bob");
      }),
      { numRuns: 300 },
    );
  });

  it("never accepts a valid Kong signature with one character changed", async () => {
    await fc.assert(
      fc.asyncProperty(mutation(signedKong.authorization), async (authorization) => {
        fc.pre(authorization !== signedKong.authorization);
        const result = await runChain([{ plugin: hmacAuth, config: {} }], { consumers, now: () => now, request: { path: "/resource", headers: { date, authorization } } });
        expect(result.errors).toEqual([]);
        // A change inside a quoted value or the scheme must fail; a change in separators may still parse the same fields.
        if (result.status === 200) expect(parseKongAuthorization(authorization)).toEqual(parseKongAuthorization(signedKong.authorization));
        else expect(result.status).toBe(401);
      }),
      { numRuns: 300 },
    );
  });
});
