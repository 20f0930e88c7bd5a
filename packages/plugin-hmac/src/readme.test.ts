import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hmacErrors } from "./errors.js";
import { configSchema } from "./schema.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README", () => {
  it.each(Object.values(hmacErrors).map((error) => [error.code, error.status]))("documents %s (%i)", (code, status) => {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${status}`);
  });

  it.each(Object.keys(configSchema.properties))("documents the config field %s", (field) => {
    expect(readme).toContain(`| \`${field}\` |`);
  });
});
