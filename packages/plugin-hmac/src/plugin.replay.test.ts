/** Opt-in replay protection: an accepted signature (or RFC 9421 nonce) is refused the second time. */
import { createHmac } from "node:crypto";
import { createHarness, type Harness } from "@portcullis/sdk/testing";
import { afterEach, describe, expect, it } from "vitest";
import { date, kongAuthorization, kongConsumers, message, noBodyId, now } from "../test/fixtures.js";
import { hmacAuth } from "./plugin.js";

const replayed = "HMAC signature has already been used";
const nowSeconds = now / 1000;
let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(config: Record<string, unknown>) {
  harness = await createHarness([{ plugin: hmacAuth, config: { replay_protection: true, ...config } }], {
    consumers: kongConsumers,
    now: () => now,
  });
  return harness;
}

describe("replay protection, Kong format", () => {
  const authorization = kongAuthorization({ headers: "date", signingString: `date: ${date}` });

  it("refuses an exact replay", async () => {
    const gateway = await start({});
    expect((await gateway.request({ headers: { date, authorization } })).status).toBe(200);
    const second = await gateway.request({ headers: { date, authorization } });
    expect([second.status, message(second)]).toEqual([401, replayed]);
    expect(second.headers["www-authenticate"]).toBe("hmac");
  });

  it("refuses the same signature bytes re-encoded (junk after the padding)", async () => {
    const gateway = await start({});
    expect((await gateway.request({ headers: { date, authorization } })).status).toBe(200);
    const reEncoded = authorization.replace(/signature="([^"]+)"/, 'signature="$1junk"');
    expect(reEncoded).not.toBe(authorization);
    expect((await gateway.request({ headers: { date, authorization: reEncoded } })).status).toBe(401);
  });

  it("accepts a fresh signature, and does not remember refused ones", async () => {
    const gateway = await start({});
    const bad = 'hmac username="bob",algorithm="hmac-sha1",headers="date",signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA="';
    expect((await gateway.request({ headers: { date, authorization: bad } })).status).toBe(401);
    expect((await gateway.request({ headers: { date, authorization } })).status).toBe(200);
    const xDate = kongAuthorization({ headers: "x-date", signingString: `x-date: ${date}` });
    expect((await gateway.request({ headers: { "x-date": date, authorization: xDate } })).status).toBe(200);
  });

  it("is off by default", async () => {
    const gateway = await start({ replay_protection: false });
    expect((await gateway.request({ headers: { date, authorization } })).status).toBe(200);
    expect((await gateway.request({ headers: { date, authorization } })).status).toBe(200);
  });

  it("a replay on an anonymous route proceeds as the anonymous consumer", async () => {
    const gateway = await start({ anonymous: noBodyId });
    expect((await gateway.request({ headers: { date, authorization } })).consumer?.username).toBe("bob");
    const second = await gateway.request({ headers: { date, authorization } });
    expect(second.status).toBe(200);
    expect(second.upstreamRequest?.headers["x-anonymous-consumer"]).toBe("true");
  });
});

describe("replay protection, RFC 9421", () => {
  function signed(created: number, extra = "") {
    const params = `("@method");created=${created};keyid="bob"${extra}`;
    const signature = createHmac("sha256", "secret").update(`"@method": GET\n"@signature-params": ${params}`).digest("base64");
    return { "signature-input": `sig1=${params}`, signature: `sig1=:${signature}:` };
  }
  const config = { signature_formats: ["rfc9421"], rfc9421_required_components: [] };

  it("refuses the same signature twice", async () => {
    const gateway = await start(config);
    expect((await gateway.request({ headers: signed(nowSeconds) })).status).toBe(200);
    const second = await gateway.request({ headers: signed(nowSeconds) });
    expect([second.status, message(second)]).toEqual([401, replayed]);
    expect((await gateway.request({ headers: signed(nowSeconds - 1) })).status).toBe(200);
  });

  it("refuses a reused nonce even under a new signature", async () => {
    const gateway = await start(config);
    expect((await gateway.request({ headers: signed(nowSeconds, ';nonce="n-1"') })).status).toBe(200);
    const reused = await gateway.request({ headers: signed(nowSeconds - 5, ';nonce="n-1"') });
    expect([reused.status, message(reused)]).toEqual([401, replayed]);
    expect((await gateway.request({ headers: signed(nowSeconds - 5, ';nonce="n-2"') })).status).toBe(200);
  });
});
