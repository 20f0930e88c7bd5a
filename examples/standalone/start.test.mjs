import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { start } from "./start.mjs";

let gateway;
before(async () => {
  gateway = await start(0, 0);
});
after(() => gateway.stop());

test("proxies /hello through cors and rate-limiting", async () => {
  const response = await fetch(`${gateway.url}/hello`, { headers: { origin: "https://app.example.com" } });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "hello from the upstream\n");
  assert.equal(response.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.equal(response.headers.get("x-ratelimit-limit-minute"), "60");
});

test("answers 404 for a path no route matches", async () => {
  const response = await fetch(`${gateway.url}/nowhere`);
  assert.equal(response.status, 404);
  await response.arrayBuffer();
});
