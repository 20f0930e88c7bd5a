import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jwtErrors } from "../src/errors.js";
import { configSchema } from "../src/schema.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it("documents every error code", () => {
    for (const factory of Object.values(jwtErrors)) expect(readme).toContain(`\`${factory.code}\``);
  });

  it("documents every config field", () => {
    for (const field of Object.keys(configSchema.properties)) expect(readme).toContain(`| \`${field}\` |`);
  });
});
