import { describe, expect, it } from "vitest";
import { derivePluginNames } from "./naming.js";

describe("derivePluginNames", () => {
  it.each([
    ["my-plugin", { packageName: "my-plugin", pluginName: "my-plugin", directory: "my-plugin" }],
    ["portcullis-plugin-geo", { packageName: "portcullis-plugin-geo", pluginName: "geo", directory: "portcullis-plugin-geo" }],
    ["@acme/portcullis-plugin-geo", { packageName: "@acme/portcullis-plugin-geo", pluginName: "geo", directory: "portcullis-plugin-geo" }],
    ["@acme/stamp", { packageName: "@acme/stamp", pluginName: "stamp", directory: "stamp" }],
    ["plugins/geo/", { packageName: "geo", pluginName: "geo", directory: "plugins/geo" }],
  ])("%s", (target, expected) => {
    expect(derivePluginNames(target)).toEqual(expected);
  });

  it("takes an explicit plugin name", () => {
    expect(derivePluginNames("@acme/portcullis-plugin-geo", "geo-ip").pluginName).toBe("geo-ip");
  });

  it.each(["", "My-Plugin", "has space", "@acme/", "-leading"])("refuses the package name %j", (target) => {
    expect(() => derivePluginNames(target)).toThrow();
  });

  it("refuses an invalid plugin name", () => {
    expect(() => derivePluginNames("geo", "Geo")).toThrow(/not a valid plugin name/);
  });
});
