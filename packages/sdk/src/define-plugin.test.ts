import { describe, expect, it } from "vitest";
import { definePlugin, isPlugin } from "./define-plugin.js";
import { GatewayError } from "./errors.js";
import { API_VERSION } from "./plugin.js";

describe("definePlugin", () => {
  it("brands the plugin and stamps the API version", () => {
    const plugin = definePlugin({ name: "ok", version: "1.0.0", priority: 1, configSchema: { type: "object" }, create: () => ({}) });
    expect(isPlugin(plugin)).toBe(true);
    expect(plugin.apiVersion).toBe(API_VERSION);
    expect(Object.isFrozen(plugin)).toBe(true);
  });

  it("recognises a plugin branded by another copy of the SDK", () => {
    const foreign = { name: "x", [Symbol.for("portcullis.plugin")]: true };
    expect(isPlugin(foreign)).toBe(true);
    expect(isPlugin({ name: "x" })).toBe(false);
    expect(isPlugin(null)).toBe(false);
  });

  it("refuses a definition with every problem listed", () => {
    try {
      definePlugin({ name: "Bad Name", version: "", priority: Number.NaN, configSchema: { type: "object" } } as never);
      expect.unreachable();
    } catch (error) {
      expect(GatewayError.is(error)).toBe(true);
      const gatewayError = error as GatewayError;
      expect(gatewayError.code).toBe("PC_ERR_PLUGIN_INVALID");
      expect(gatewayError.message).toMatch(/name must be.*version must be.*priority must be.*create must be/);
    }
  });
});
