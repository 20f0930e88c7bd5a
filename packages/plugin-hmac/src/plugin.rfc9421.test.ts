/**
 * RFC 9421 HTTP Message Signatures through the plugin. Expected signatures come from the RFC's appendix or are
 * computed here with node:crypto over signature bases written out by hand.
 */
import { createHash, createHmac } from "node:crypto";
import { runChain, type TestRequest } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import { date, kongAuthorization, kongConsumers, message, now } from "../test/fixtures.js";
import { hmacAuth } from "./plugin.js";

/** RFC 9421 B.1.5 and B.2. */
const testSharedSecret =
  "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";
const rfcBody = '{"hello": "world"}';
const rfcRequest: TestRequest = {
  method: "POST",
  path: "/foo?param=Value&Pet=dog",
  scheme: "https",
  body: rfcBody,
  headers: {
    host: "example.com",
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18",
    "signature-input": 'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    signature: "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:",
  },
};
const rfcConsumers = [
  {
    id: "rfc-consumer",
    username: "rfc",
    credentials: {
      hmacauth_credentials: [{ username: "test-shared-secret", secret: testSharedSecret, secret_encoding: "base64" }],
    },
  },
];
const rfcNow = 1618884473 * 1000;

const nowSeconds = now / 1000;
const aliceSecret = "alice-secret";
const consumers = [
  ...kongConsumers,
  { id: "alice-id", username: "alice", credentials: { hmacauth_credentials: [{ username: "alice", secret: aliceSecret }] } },
];

function run(config: Record<string, unknown>, request: TestRequest, options: { consumers?: typeof consumers; at?: number } = {}) {
  return runChain([{ plugin: hmacAuth, config: { signature_formats: ["rfc9421"], ...config } }], {
    consumers: options.consumers ?? consumers,
    now: () => options.at ?? now,
    request,
  });
}

/** Signs `lines` (component id → value) with `params` using node:crypto, RFC 9421 §2.5 written out by hand. */
function sign(lines: [string, string][], params: string, secret: string | Buffer = aliceSecret, label = "sig1") {
  const base = `${lines.map(([id, value]) => `"${id}": ${value}\n`).join("")}"@signature-params": ${params}`;
  const signature = createHmac("sha256", secret).update(base).digest("base64");
  return { "signature-input": `${label}=${params}`, signature: `${label}=:${signature}:` };
}

const basicParams = `("@method" "@authority" "@path");created=${nowSeconds};keyid="alice"`;
const basicLines: [string, string][] = [
  ["@method", "GET"],
  ["@authority", "localhost"],
  ["@path", "/orders"],
];

describe("hmac-auth RFC 9421: the appendix B.2.5 vector", () => {
  it("accepts the RFC's own hmac-sha256 signature", async () => {
    const result = await run({ rfc9421_required_components: [] }, rfcRequest, { consumers: rfcConsumers, at: rfcNow });
    expect(result.status).toBe(200);
    expect(result.consumer?.id).toBe("rfc-consumer");
    expect(result.upstreamRequest?.headers["x-credential-identifier"]).toBe("test-shared-secret");
    expect(result.upstreamRequest?.headers["signature-input"]).toBeDefined();
  });

  it("refuses it under the default required components (@method, @authority, @path)", async () => {
    const result = await run({}, rfcRequest, { consumers: rfcConsumers, at: rfcNow });
    expect([result.status, message(result)]).toEqual([401, "HMAC signature cannot be verified"]);
  });

  it("refuses it once a covered header is tampered with", async () => {
    const tampered = { ...rfcRequest, headers: { ...rfcRequest.headers, "content-type": "text/plain" } };
    const result = await run({ rfc9421_required_components: [] }, tampered, { consumers: rfcConsumers, at: rfcNow });
    expect([result.status, message(result)]).toEqual([401, "HMAC signature does not match"]);
  });

  it("refuses it with a different key, and refuses an unknown keyid", async () => {
    const otherKey = [{ ...rfcConsumers[0]!, credentials: { hmacauth_credentials: [{ username: "test-shared-secret", secret: "other" }] } }];
    const wrongKey = await run({ rfc9421_required_components: [] }, rfcRequest, { consumers: otherKey, at: rfcNow });
    expect([wrongKey.status, message(wrongKey)]).toEqual([401, "HMAC signature does not match"]);
    const unknown = await run({ rfc9421_required_components: [] }, rfcRequest, { at: rfcNow });
    expect([unknown.status, message(unknown)]).toEqual([401, "HMAC signature cannot be verified"]);
  });

  it("checks the RFC's sha-512 Content-Digest when the signature covers it", async () => {
    const params = `("@method" "@authority" "@path" "content-digest");created=1618884473;keyid="test-shared-secret"`;
    const signed = sign(
      [
        ["@method", "POST"],
        ["@authority", "example.com"],
        ["@path", "/foo"],
        ["content-digest", String(rfcRequest.headers!["content-digest"])],
      ],
      params,
      Buffer.from(testSharedSecret, "base64"),
    );
    const request = { ...rfcRequest, headers: { ...rfcRequest.headers, ...signed } };
    expect((await run({}, request, { consumers: rfcConsumers, at: rfcNow })).status).toBe(200);
    const tampered = await run({}, { ...request, body: '{"hello": "there"}' }, { consumers: rfcConsumers, at: rfcNow });
    expect([tampered.status, message(tampered)]).toEqual([401, "HMAC signature does not match"]);
  });
});

describe("hmac-auth RFC 9421: metadata and components", () => {
  it("accepts a signature over @method @authority @path", async () => {
    const result = await run({}, { path: "/orders", headers: sign(basicLines, basicParams) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("alice");
  });

  it("covers @target-uri, @scheme, @query, @request-target and header fields", async () => {
    const params = `("@method" "@authority" "@path" "@target-uri" "@scheme" "@query" "@request-target" "x-trace");created=${nowSeconds};keyid="alice"`;
    const signed = sign(
      [
        ["@method", "DELETE"],
        ["@authority", "api.example.com:8443"],
        ["@path", "/a%20b"],
        ["@target-uri", "https://api.example.com:8443/a%20b?x=1&y"],
        ["@scheme", "https"],
        ["@query", "?x=1&y"],
        ["@request-target", "/a%20b?x=1&y"],
        ["x-trace", "one, two"],
      ],
      params,
    );
    const result = await run({}, {
      method: "DELETE",
      scheme: "https",
      path: "/a%20b?x=1&y",
      headers: { host: "API.example.com:8443", "x-trace": [" one", "two "], ...signed },
    });
    expect(result.status).toBe(200);
  });

  it("accepts alg=hmac-sha256 and refuses any other alg", async () => {
    const good = sign(basicLines, `${basicParams};alg="hmac-sha256"`);
    expect((await run({}, { path: "/orders", headers: good })).status).toBe(200);
    const bad = sign(basicLines, `${basicParams};alg="rsa-pss-sha512"`);
    const result = await run({}, { path: "/orders", headers: bad });
    expect([result.status, message(result)]).toEqual([401, "HMAC signature cannot be verified"]);
  });

  it("refuses a created parameter outside clock_skew, or none", async () => {
    for (const params of [
      `("@method" "@authority" "@path");created=${nowSeconds - 301};keyid="alice"`,
      `("@method" "@authority" "@path");created=${nowSeconds + 301};keyid="alice"`,
      `("@method" "@authority" "@path");keyid="alice"`,
      `("@method" "@authority" "@path");created="${nowSeconds}";keyid="alice"`,
    ]) {
      const result = await run({}, { path: "/orders", headers: sign(basicLines, params) });
      expect([result.status, message(result)], params).toEqual([
        401,
        "HMAC signature cannot be verified, a valid created parameter is required",
      ]);
    }
    const within = `("@method" "@authority" "@path");created=${nowSeconds - 299};keyid="alice"`;
    expect((await run({}, { path: "/orders", headers: sign(basicLines, within) })).status).toBe(200);
  });

  it("refuses an expired signature and accepts one that has not expired", async () => {
    const expired = sign(basicLines, `${basicParams};expires=${nowSeconds - 1}`);
    const result = await run({}, { path: "/orders", headers: expired });
    expect([result.status, message(result)]).toEqual([401, "HMAC signature has expired"]);
    const fresh = sign(basicLines, `${basicParams};expires=${nowSeconds + 60}`);
    expect((await run({}, { path: "/orders", headers: fresh })).status).toBe(200);
  });

  it("refuses a signature for another method or path", async () => {
    const signed = sign(basicLines, basicParams);
    for (const request of [{ method: "POST", path: "/orders" }, { path: "/orders/1" }]) {
      const result = await run({}, { ...request, headers: signed });
      expect([result.status, message(result)]).toEqual([401, "HMAC signature does not match"]);
    }
  });

  it("picks the signature made with a known key among several", async () => {
    const other = sign(basicLines, `("@method");created=${nowSeconds};keyid="stranger"`, "x", "proxy");
    const mine = sign(basicLines, basicParams);
    const result = await run({}, {
      path: "/orders",
      headers: {
        "signature-input": `${other["signature-input"]}, ${mine["signature-input"]}`,
        signature: [other.signature, mine.signature],
      },
    });
    expect(result.status).toBe(200);
  });

  it("with validate_request_body, requires a covered Content-Digest for a non-empty body", async () => {
    const body = '{"order":1}';
    const digest = `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
    const uncovered = await run({ validate_request_body: true }, {
      method: "POST",
      path: "/orders",
      body,
      headers: { "content-digest": digest, ...sign([["@method", "POST"], ...basicLines.slice(1)], basicParams) },
    });
    expect([uncovered.status, message(uncovered)]).toEqual([401, "HMAC signature does not match"]);
    const params = `("@method" "@authority" "@path" "content-digest");created=${nowSeconds};keyid="alice"`;
    const covered = await run({ validate_request_body: true }, {
      method: "POST",
      path: "/orders",
      body,
      headers: { "content-digest": digest, ...sign([["@method", "POST"], ...basicLines.slice(1), ["content-digest", digest]], params) },
    });
    expect(covered.status).toBe(200);
    const emptyBody = await run({ validate_request_body: true }, { path: "/orders", headers: sign(basicLines, basicParams) });
    expect(emptyBody.status).toBe(200);
  });

  it("hide_credentials removes Signature-Input and Signature upstream", async () => {
    const result = await run({ hide_credentials: true }, { path: "/orders", headers: sign(basicLines, basicParams) });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["signature-input"]).toBeUndefined();
    expect(result.upstreamRequest?.headers.signature).toBeUndefined();
  });
});

describe("hmac-auth: signature_formats", () => {
  const kongHeaders = { date, authorization: kongAuthorization({ headers: "date", signingString: `date: ${date}` }) };

  it("rfc9421 alone ignores a Kong Authorization header: 401 Unauthorized", async () => {
    const result = await run({}, { headers: kongHeaders });
    expect([result.status, message(result)]).toEqual([401, "Unauthorized"]);
  });

  it("kong alone (the default) ignores Signature-Input", async () => {
    const result = await run({ signature_formats: ["kong"] }, { path: "/orders", headers: sign(basicLines, basicParams) });
    expect([result.status, message(result)]).toEqual([401, "Unauthorized"]);
  });

  it("both at once accept either", async () => {
    const config = { signature_formats: ["kong", "rfc9421"] };
    expect((await run(config, { headers: kongHeaders })).status).toBe(200);
    expect((await run(config, { path: "/orders", headers: sign(basicLines, basicParams) })).status).toBe(200);
  });
});
