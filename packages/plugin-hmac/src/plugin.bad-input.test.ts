/** Bad input of every kind gets a 4xx with a clear message, never a throw and never a 500. */
import { createHmac } from "node:crypto";
import { type ChainResult, runChain, type TestRequest } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import { date, kongAuthorization, kongConsumers, message, noBodyId, now, runHmac, sha256Digest } from "../test/fixtures.js";
import { hmacAuth } from "./plugin.js";

const nowSeconds = now / 1000;
const rfcConfig = { signature_formats: ["rfc9421"], rfc9421_required_components: [] };

function expectRefusal(result: ChainResult, status: number, text: string) {
  expect(result.errors).toEqual([]);
  expect([result.status, message(result)]).toEqual([status, text]);
  expect(result.upstreamRequest).toBeUndefined();
}

function runRfc(headers: TestRequest["headers"], config: Record<string, unknown> = rfcConfig) {
  return runHmac(config, { path: "/orders", headers });
}

const validSignature = createHmac("sha256", "secret")
  .update(`"@method": GET\n"@signature-params": ("@method");created=${nowSeconds};keyid="bob"`)
  .digest("base64");

describe("malformed RFC 9421 headers", () => {
  const input = `sig1=("@method");created=${nowSeconds};keyid="bob"`;

  it("the well-formed baseline passes", async () => {
    const result = await runRfc({ "signature-input": input, signature: `sig1=:${validSignature}:` });
    expect(result.status).toBe(200);
  });

  it.each([
    ["an unparsable Signature-Input", { "signature-input": "sig1=(", signature: `sig1=:${validSignature}:` }],
    ["an unparsable Signature", { "signature-input": input, signature: "sig1=:abc" }],
    ["Signature-Input alone", { "signature-input": input }],
    ["Signature alone", { signature: `sig1=:${validSignature}:` }],
    ["a Signature under another label", { "signature-input": input, signature: `sig2=:${validSignature}:` }],
    ["a Signature that is a string", { "signature-input": input, signature: `sig1="${validSignature}"` }],
    ["a Signature that is an inner list", { "signature-input": input, signature: `sig1=(:${validSignature}:)` }],
    ["a Signature-Input member that is an item", { "signature-input": 'sig1="@method";keyid="bob"', signature: `sig1=:${validSignature}:` }],
    ["a keyid that is a token", { "signature-input": `sig1=("@method");created=${nowSeconds};keyid=bob`, signature: `sig1=:${validSignature}:` }],
    ["no keyid", { "signature-input": `sig1=("@method");created=${nowSeconds}`, signature: `sig1=:${validSignature}:` }],
    ["a component that is a token", { "signature-input": `sig1=(method);created=${nowSeconds};keyid="bob"`, signature: `sig1=:${validSignature}:` }],
    ["an absent covered header", { "signature-input": `sig1=("x-absent");created=${nowSeconds};keyid="bob"`, signature: `sig1=:${validSignature}:` }],
    ["a repeated component", { "signature-input": `sig1=("@method" "@method");created=${nowSeconds};keyid="bob"`, signature: `sig1=:${validSignature}:` }],
    ["a component with a parameter", { "signature-input": `sig1=("@method";sf);created=${nowSeconds};keyid="bob"`, signature: `sig1=:${validSignature}:` }],
    ["a nonce that is an integer", { "signature-input": `${input};nonce=1`, signature: `sig1=:${validSignature}:` }],
    ["binary junk", { "signature-input": "\u00ff\u00fe(((", signature: "\u0000" }],
    ["empty values", { "signature-input": "", signature: "" }],
  ])("%s: 401 cannot be verified", async (_label, headers) => {
    expectRefusal(await runRfc(headers), 401, "HMAC signature cannot be verified");
  });

  it("a signature of the wrong length: 401 does not match", async () => {
    expectRefusal(await runRfc({ "signature-input": input, signature: "sig1=:AAAA:" }), 401, "HMAC signature does not match");
  });

  it("an expires that is not an integer: 401 expired", async () => {
    expectRefusal(
      await runRfc({ "signature-input": `${input};expires="tomorrow"`, signature: `sig1=:${validSignature}:` }),
      401,
      "HMAC signature has expired",
    );
  });

  it("a covered Content-Digest that is malformed or uses only unknown algorithms: 401 does not match", async () => {
    for (const digest of ["sha-256=garbage", "md5=:AAAA:"]) {
      const params = `("content-digest");created=${nowSeconds};keyid="bob"`;
      const signature = createHmac("sha256", "secret").update(`"content-digest": ${digest}\n"@signature-params": ${params}`).digest("base64");
      const result = await runHmac(rfcConfig, {
        method: "POST",
        body: "x",
        headers: { "content-digest": digest, "signature-input": `s=${params}`, signature: `s=:${signature}:` },
      });
      expectRefusal(result, 401, "HMAC signature does not match");
    }
  });
});

describe("malformed Kong headers", () => {
  it.each([
    ["a non-ASCII value", "hmac username=\"b\u00f6b\", algorithm=\"hmac-sha1\", headers=\"date\", signature=\"x\""],
    ["a URL-safe base64 signature", 'hmac username="bob", algorithm="hmac-sha1", headers="date", signature="-_-_"'],
    ["an unknown algorithm", 'hmac username="bob", algorithm="hmac-md5", headers="date", signature="AAAA"'],
    ["an empty header list", 'hmac username="bob", algorithm="hmac-sha1", headers="", signature="AAAA"'],
  ])("%s: 401", async (_label, authorization) => {
    const result = await runHmac({}, { headers: { date, authorization } });
    expect(result.errors).toEqual([]);
    expect(result.status).toBe(401);
  });

  it("a duplicated Authorization header uses the first value", async () => {
    const good = kongAuthorization({ headers: "date", signingString: `date: ${date}` });
    expect((await runHmac({}, { headers: { date, authorization: [good, "junk"] } })).status).toBe(200);
  });

  it("a stale or future date: 401 with the date message", async () => {
    for (const stale of ["Thu, 01 Jan 2026 00:05:01 GMT", "Wed, 31 Dec 2025 23:54:59 GMT"]) {
      const authorization = kongAuthorization({ headers: "date", signingString: `date: ${stale}` });
      expectRefusal(
        await runHmac({}, { headers: { date: stale, authorization } }),
        401,
        "HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication",
      );
    }
  });
});

describe("oversize bodies", () => {
  const body = "0123456789abcdef";

  it("Kong format with validate_request_body: 413 past max_body_size, without a challenge", async () => {
    const digest = sha256Digest(body);
    const authorization = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${digest}` });
    const request = { method: "POST", body, headers: { date, digest, authorization } };
    const result = await runHmac({ validate_request_body: true, max_body_size: 8 }, request);
    expectRefusal(result, 413, "Request body too large");
    expect(result.headers["www-authenticate"]).toBeUndefined();
    expect((await runHmac({ validate_request_body: true, max_body_size: 16 }, request)).status).toBe(200);
  });

  it("413 even on an anonymous route: the signature could not be checked, the body is still too large", async () => {
    const digest = sha256Digest(body);
    const authorization = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${digest}` });
    const result = await runHmac(
      { validate_request_body: true, max_body_size: 8, anonymous: noBodyId },
      { method: "POST", body, headers: { date, digest, authorization } },
    );
    expectRefusal(result, 413, "Request body too large");
  });

  it("RFC 9421 with a covered Content-Digest: 413 past max_body_size", async () => {
    const digest = "sha-256=:AAAA:";
    const params = `("content-digest");created=${nowSeconds};keyid="bob"`;
    const signature = createHmac("sha256", "secret").update(`"content-digest": ${digest}\n"@signature-params": ${params}`).digest("base64");
    const result = await runChain(
      [{ plugin: hmacAuth, config: { ...rfcConfig, max_body_size: 8 } }],
      {
        consumers: kongConsumers,
        now: () => now,
        request: { method: "POST", body, headers: { "content-digest": digest, "signature-input": `s=${params}`, signature: `s=:${signature}:` } },
      },
    );
    expectRefusal(result, 413, "Request body too large");
  });
});

describe("logging", () => {
  it("logs each refusal with its code, and never the secret", async () => {
    const result = await runHmac({}, { headers: { date, authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date",signature="AAAA"' } });
    const record = result.logs.find((log) => log.message === "hmac-auth: authentication failed");
    expect(record?.fields).toEqual({ code: "PC_HMAC_SIGNATURE_MISMATCH" });
    expect(JSON.stringify(result.logs)).not.toContain('"secret"');
  });
});
