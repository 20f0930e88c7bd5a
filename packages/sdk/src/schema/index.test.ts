import { describe, expect, it } from "vitest";
import { compileSchema } from "./index.js";

describe("compileSchema", () => {
  const validate = compileSchema<{ port: number; hosts: string[] }>({
    type: "object",
    properties: {
      name: { type: "string" },
      port: { type: "integer", default: 6379 },
      hosts: { type: "array", items: { type: "string" }, default: [] },
      mode: { type: "string", enum: ["a", "b"] },
    },
    required: ["name"],
    additionalProperties: false,
  });

  it("applies defaults", () => {
    const result = validate({ name: "x" });
    expect(result).toEqual({ ok: true, value: { name: "x", port: 6379, hosts: [] } });
  });

  it("reports every issue with its path", () => {
    const result = validate({ hosts: [1], mode: "c", extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: "name", message: "required field missing" },
        { path: "hosts[0]", message: "expected string" },
        { path: "mode", message: "expected one of: a, b" },
        { path: "extra", message: "unknown field" },
      ]),
    );
  });
});
