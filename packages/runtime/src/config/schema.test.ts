import { compileSchema } from "@portcullis/sdk/schema";
import { describe, expect, it } from "vitest";
import { CONSUMER_KEYS, configDocumentSchema, HEALTHCHECKS_SCHEMA, TOP_LEVEL_KEYS } from "./schema.js";

describe("the declarative config schema", () => {
  it("compiles in ajv strict mode, in both the tooling and the loader form", () => {
    expect(() => compileSchema(configDocumentSchema({ credentialCollections: true }))).not.toThrow();
    expect(() => compileSchema(configDocumentSchema({ credentialCollections: false }))).not.toThrow();
  });

  it("lets tools see credential collections as arrays of rows with a consumer", () => {
    const validate = compileSchema(configDocumentSchema({ credentialCollections: true }));
    expect(validate({ _format_version: "3.0", jwt_secrets: [{ consumer: "alice", key: "k" }] }).ok).toBe(true);
    expect(validate({ _format_version: "3.0", jwt_secrets: [{ key: "k" }] })).toEqual({
      ok: false,
      issues: [{ path: "jwt_secrets[0].consumer", message: "required field missing" }],
    });
  });

  it("fills the whole health check defaults tree from an empty object", () => {
    const upstream: { healthchecks?: unknown } = {};
    const validate = compileSchema({ type: "object", properties: { healthchecks: HEALTHCHECKS_SCHEMA } });
    expect(validate(upstream).ok).toBe(true);
    expect(upstream.healthchecks).toMatchObject({
      threshold: 0,
      active: { type: "http", timeout: 1, concurrency: 10, http_path: "/", https_sni: null, headers: null },
      passive: { type: "http", unhealthy: { http_statuses: [429, 500, 503] } },
    });
  });

  it("knows which keys are entities rather than credential collections", () => {
    expect([...TOP_LEVEL_KEYS].sort()).toEqual(
      ["_comment", "_format_version", "_transform", "_workspace", "certificates", "consumers", "plugins", "routes", "services", "targets", "upstreams"],
    );
    expect([...CONSUMER_KEYS].sort()).toEqual(["custom_id", "id", "plugins", "tags", "username"]);
  });

  it("describes every service, route and upstream field", () => {
    const properties = configDocumentSchema({ credentialCollections: false }).properties as Record<string, { items: { properties: Record<string, { description?: string }> } }>;
    for (const entity of ["services", "routes", "upstreams", "plugins", "targets"]) {
      for (const [name, field] of Object.entries(properties[entity]!.items.properties)) {
        if (["routes", "plugins", "targets"].includes(name)) continue;
        expect(field.description, `${entity}.${name}`).toBeTruthy();
      }
    }
  });
});
