import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corsErrors } from "./errors.js";
import { corsConfigSchema } from "./schema.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it.each(Object.values(corsErrors).map((error) => [error.code, error.status]))("documents error %s (%i)", (code, status) => {
    expect(readme).toMatch(new RegExp(`\\| \`${code}\` \\| ${status}`));
  });

  it.each(Object.keys(corsConfigSchema.properties))("documents config field %s", (field) => {
    expect(readme).toContain(`| \`${field}\` |`);
  });
});
