import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runtimeErrors } from "./errors.js";

describe("runtime error registry", () => {
  it("documents every code in the README, and lists no code that does not exist", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const codes = Object.values(runtimeErrors).map((factory) => factory.code);
    for (const code of codes) expect(readme).toContain(code);
    const listed = [...readme.matchAll(/`(PC_ERR_[A-Z_]+)`/g)].map((match) => match[1]);
    for (const code of listed) expect(codes).toContain(code);
  });
});
