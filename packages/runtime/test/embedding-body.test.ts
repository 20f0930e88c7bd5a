import { createServer } from "node:http";
import { createHmac, createHash } from "node:crypto";
import { definePlugin } from "@portcullis/sdk";
import express from "express";
import { describe, expect, it } from "vitest";
import { createGateway } from "../src/index.js";
import { closeServer, listenOnLoopback, send } from "./support.js";

const bodyInspector = definePlugin({
  name: "body-inspector",
  version: "1.0.0",
  priority: 500,
  configSchema: { type: "object", properties: { limit: { type: "integer", default: 64 } } },
  create: (config) => ({
    async access(ctx) {
      const body = await ctx.request.body({ limit: config.limit });
      ctx.upstream.setHeader("x-inspected-bytes", String(body.length));
    },
  }),
});

describe("embedded apps still read the body a plugin buffered", () => {
  it("hands the whole body to express.json() after a plugin read it, and answers 413 past the plugin's limit", async () => {
    const gateway = await createGateway({ config: { _format_version: "3.0", plugins: [{ name: "body-inspector" }] }, plugins: [bodyInspector], logger: false });
    const app = express();
    app.use(gateway.middleware());
    app.use(express.json());
    app.post("/orders", (request, response) => {
      response.json({ received: request.body, inspected: request.headers["x-inspected-bytes"] });
    });
    const server = createServer(app);
    const port = await listenOnLoopback(server);
    try {
      const body = JSON.stringify({ item: "book", quantity: 2 });
      const accepted = await send(`http://127.0.0.1:${port}/orders`, { method: "POST", body, headers: { "content-type": "application/json" } });
      expect(accepted.status).toBe(200);
      expect(accepted.json()).toEqual({ received: { item: "book", quantity: 2 }, inspected: String(Buffer.byteLength(body)) });
      const refused = await send(`http://127.0.0.1:${port}/orders`, { method: "POST", body: "x".repeat(500), headers: { "content-type": "application/json" } });
      expect(refused.status).toBe(413);
    } finally {
      await gateway.close();
      await closeServer(server);
    }
  });

  it("lets hmac-auth validate a body digest in front of an app that parses the same body", async () => {
    const gateway = await createGateway({
      config: {
        _format_version: "3.0",
        consumers: [{ username: "bob", hmacauth_credentials: [{ username: "bob", secret: "secret" }] }],
        plugins: [{ name: "hmac-auth", config: { validate_request_body: true, enforce_headers: ["date", "digest"] } }],
      },
      logger: false,
    });
    const app = express();
    app.use(gateway.middleware());
    app.use(express.json());
    app.post("/payments", (request, response) => response.json({ user: request.headers["x-consumer-username"], amount: request.body.amount }));
    const server = createServer(app);
    const port = await listenOnLoopback(server);
    try {
      const body = JSON.stringify({ amount: 42 });
      const date = new Date().toUTCString();
      const digest = `SHA-256=${createHash("sha256").update(body).digest("base64")}`;
      const signature = createHmac("sha256", "secret").update(`date: ${date}\ndigest: ${digest}`).digest("base64");
      const response = await send(`http://127.0.0.1:${port}/payments`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          date,
          digest,
          authorization: `hmac username="bob", algorithm="hmac-sha256", headers="date digest", signature="${signature}"`,
        },
      });
      expect(response.status).toBe(200);
      expect(response.json()).toEqual({ user: "bob", amount: 42 });
    } finally {
      await gateway.close();
      await closeServer(server);
    }
  });
});
