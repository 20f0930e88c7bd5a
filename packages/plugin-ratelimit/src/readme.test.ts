import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rateLimitErrors } from "./errors.js";
import { configSchema } from "./schema.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("documents every error code of the registry", () => {
    for (const error of Object.values(rateLimitErrors)) expect(readme).toContain(`\`${error.code}\``);
  });
  it("documents every config field", () => {
    for (const field of Object.keys(configSchema.properties)) expect(readme).toContain(`\`${field}\``);
    for (const field of Object.keys(configSchema.properties.redis.properties)) expect(readme).toContain(`redis.${field}`);
  });
});
