import type { Server } from "node:http";
import type { JsonSchema, JsonSchemaObject } from "@portcullis/sdk";
import type { Gateway } from "./gateway.js";
import { createHttpServer } from "./server.js";

const redacted = "[redacted]";
const secretKeyPattern = /secret|password|passwd|private_key|token|api_key|credential/i;

/** Redacts a value by its schema's `writeOnly` markers, and by secret-looking key names as a fallback. */
export function redact(value: unknown, schema: JsonSchema | undefined): unknown {
  const node = typeof schema === "object" ? (schema as JsonSchemaObject) : undefined;
  if (node?.writeOnly === true && value !== undefined && value !== null) return redacted;
  if (Array.isArray(value)) return value.map((item) => redact(item, node?.items));
  if (typeof value !== "object" || value === null) return value;
  const output: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const child = node?.properties?.[key];
    output[key] = secretKeyPattern.test(key) && typeof item === "string" ? redacted : redact(item, child);
  }
  return output;
}

/** The live config for `GET /config`, with every secret redacted. */
export function redactedConfig(gateway: Gateway): unknown {
  const snapshot = gateway.snapshot();
  const config = snapshot.config;
  const schemaOf = (name: string) => snapshot.plugins.get(name)?.configSchema;
  const collectionSchema = (collection: string) => {
    for (const plugin of snapshot.plugins.values()) {
      const spec = plugin.credentials?.[collection];
      if (spec !== undefined) return spec.schema;
    }
    return undefined;
  };
  return {
    ...config,
    plugins: config.plugins.map((plugin) => ({ ...plugin, config: redact(plugin.config, schemaOf(plugin.name)) })),
    credentials: config.credentials.map((credential) => ({ ...credential, fields: redact(credential.fields, collectionSchema(credential.collection)) })),
    certificates: config.certificates.map((certificate) => ({ ...certificate, key: redacted })),
  };
}

/** The admin endpoint: `GET /status`, `GET /metrics` (Prometheus text), `GET /config` (secrets redacted). */
export function createAdminServer(gateway: Gateway, extra?: { status?: () => Record<string, unknown> }): Server {
  return createHttpServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type: string) => {
      response.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") {
      return send(405, JSON.stringify({ message: "Method not allowed" }), "application/json; charset=utf-8");
    }
    try {
      switch (path) {
        case "/status":
          return send(200, JSON.stringify({ ...gateway.status(), targets: gateway.snapshot().targets.describe(), ...extra?.status?.() }), "application/json; charset=utf-8");
        case "/metrics":
          return send(200, gateway.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        case "/config":
          return send(200, JSON.stringify(redactedConfig(gateway)), "application/json; charset=utf-8");
        default:
          return send(404, JSON.stringify({ message: "Not found" }), "application/json; charset=utf-8");
      }
    } catch (error) {
      gateway.logger.error("admin request failed", { path, error });
      return send(500, JSON.stringify({ message: "An unexpected error occurred" }), "application/json; charset=utf-8");
    }
  });
}
