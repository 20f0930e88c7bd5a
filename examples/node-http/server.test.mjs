import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { start } from "./server.mjs";

let gateway;
before(async () => {
  gateway = await start(0, 0);
});
after(() => gateway.stop());

test("proxies /orders with rate limiting, then answers 429", async () => {
  const statuses = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const response = await fetch(`${gateway.url}/orders/42`);
    statuses.push(response.status);
    if (response.status === 200) assert.deepEqual(await response.json(), { upstream: true, path: "/42" }); // Kong strips the matched prefix
    else await response.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 429]);
});

test("answers 404 for a path no route matches", async () => {
  const response = await fetch(`${gateway.url}/elsewhere`);
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { message: "no Route matched with those values", request_id: response.headers.get("x-request-id") });
});
