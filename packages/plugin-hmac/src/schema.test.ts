import { compileSchema } from "@portcullis/sdk/schema";
import { createHarness } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import { hmacAuth } from "./plugin.js";
import { checkConfig, configSchema, credentialSchema } from "./schema.js";

const validateConfig = compileSchema<Parameters<typeof checkConfig>[0]>(configSchema);
const validateCredential = compileSchema(credentialSchema);

function issues(config: Record<string, unknown>) {
  const result = validateConfig(structuredClone(config));
  return result.ok ? checkConfig(result.value) : result.issues;
}

describe("hmac-auth config schema (Kong's schema spec)", () => {
  it("accepts {} and applies Kong's defaults", () => {
    const result = validateConfig({});
    expect(result.ok && result.value).toEqual({
      hide_credentials: false,
      clock_skew: 300,
      validate_request_body: false,
      enforce_headers: [],
      algorithms: ["hmac-sha1", "hmac-sha256", "hmac-sha384", "hmac-sha512"],
      max_body_size: 1_048_576,
      signature_formats: ["kong"],
      rfc9421_required_components: ["@method", "@authority", "@path"],
      replay_protection: false,
      replay_cache_size: 100_000,
    });
    expect(issues({})).toEqual([]);
  });

  it("accepts clock_skew 10 and Kong's nulls for anonymous and realm", () => {
    expect(issues({ clock_skew: 10, anonymous: null, realm: null })).toEqual([]);
  });

  it("refuses a clock_skew that is not greater than 0 with Kong's message", () => {
    expect(issues({ clock_skew: -10 })).toEqual([{ path: "clock_skew", message: "value must be greater than 0" }]);
    expect(issues({ clock_skew: 0 })).toEqual([{ path: "clock_skew", message: "value must be greater than 0" }]);
  });

  it("refuses an unknown algorithm with Kong's one_of message", () => {
    expect(issues({ algorithms: ["sha1024"] })).toEqual([
      { path: "algorithms[0]", message: "expected one of: hmac-sha1, hmac-sha256, hmac-sha384, hmac-sha512" },
    ]);
  });

  it("refuses unknown fields, bad formats, a non-positive max_body_size, and rfc9421 without hmac-sha256", () => {
    expect(issues({ unknown: 1 })).toEqual([{ path: "unknown", message: "unknown field" }]);
    expect(issues({ signature_formats: ["jwt"] })[0]?.path).toBe("signature_formats[0]");
    expect(issues({ signature_formats: [] })[0]?.path).toBe("signature_formats");
    expect(issues({ max_body_size: 0 })).toEqual([{ path: "max_body_size", message: "value must be greater than 0" }]);
    expect(issues({ signature_formats: ["rfc9421"], algorithms: ["hmac-sha1"] })).toEqual([
      { path: "algorithms", message: "must include hmac-sha256 when signature_formats includes rfc9421" },
    ]);
  });

  it("the harness refuses a bad config at load, naming the plugin and the field", async () => {
    await expect(createHarness([{ plugin: hmacAuth, config: { clock_skew: -10 } }])).rejects.toThrow(
      "invalid config for plugin 'hmac-auth': config.clock_skew: value must be greater than 0",
    );
  });
});

describe("hmacauth_credentials schema", () => {
  it("requires a non-empty username and a string secret, which is write-only", () => {
    expect(validateCredential({ username: "bob", secret: "s" }).ok).toBe(true);
    const missing = validateCredential({ secret: "s" });
    expect(!missing.ok && missing.issues).toEqual([{ path: "username", message: "required field missing" }]);
    expect(validateCredential({ username: "" }).ok).toBe(false);
    const wrongType = validateCredential({ username: "bob", secret: 1 });
    expect(!wrongType.ok && wrongType.issues).toEqual([{ path: "secret", message: "expected string" }]);
    expect(credentialSchema.properties.secret.writeOnly).toBe(true);
  });
});

describe("plugin definition", () => {
  it("is Kong's hmac-auth: name, priority 1030, no consumer scope, identified by username", () => {
    expect(hmacAuth.name).toBe("hmac-auth");
    expect(hmacAuth.priority).toBe(1030);
    expect(hmacAuth.allowConsumerScope).toBe(false);
    expect(hmacAuth.credentials?.hmacauth_credentials?.identifier).toBe("username");
  });
});
