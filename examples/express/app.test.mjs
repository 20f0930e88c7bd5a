import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, test } from "node:test";
import { start } from "./app.mjs";

/** An HS256 JWT signed with the example's demo secret. */
function token() {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode({ iss: "alice-issuer", exp: Math.floor(Date.now() / 1000) + 300 })}`;
  return `${unsigned}.${createHmac("sha256", "example-secret").update(unsigned).digest("base64url")}`;
}

let app;
before(async () => {
  app = await start(0);
});
after(() => app.stop());

test("rejects /api without a token before the handler runs", async () => {
  const response = await fetch(`${app.url}/api/hello`, { headers: { origin: "https://app.example.com" } });
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("access-control-allow-origin"), "https://app.example.com");
});

test("hands the consumer to the handler and adds rate-limit headers", async () => {
  const response = await fetch(`${app.url}/api/hello`, { headers: { authorization: `Bearer ${token()}` } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { hello: "alice" });
  assert.equal(response.headers.get("x-ratelimit-remaining-minute"), "59");
});

test("leaves other routes to the app", async () => {
  const response = await fetch(`${app.url}/health`);
  assert.equal(await response.text(), "ok");
  assert.equal(response.headers.get("access-control-allow-origin"), null);
});
