import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlugin, GatewayError } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { createGateway, validateConfig } from "../src/index.js";

const base = { _format_version: "3.0", services: [{ name: "s", url: "http://127.0.0.1:9", routes: [{ name: "r", paths: ["/"] }] }] };

async function loadError(config: Record<string, unknown>, plugins: Parameters<typeof createGateway>[0]["plugins"] = [], cwd?: string): Promise<GatewayError> {
  const error = await createGateway({ config, plugins, logger: false, cwd }).then(
    async (gateway) => {
      await gateway.close();
      throw new Error("expected the config to be refused");
    },
    (failure: unknown) => failure,
  );
  expect(GatewayError.is(error)).toBe(true);
  return error as GatewayError;
}

describe("plugin loading", () => {
  it("refuses an unknown plugin with its JSON path", async () => {
    const error = await loadError({ ...base, plugins: [{ name: "no-such-plugin-anywhere" }] });
    expect(error.code).toBe("PC_ERR_CONFIG_INVALID");
    expect(error.message).toContain("plugins[0].name");
    expect(error.message).toContain("PC_ERR_PLUGIN_NOT_FOUND");
  });

  it("refuses a module without a branded default export, and an API version mismatch", async () => {
    const folder = mkdtempSync(join(tmpdir(), "portcullis-plugins-"));
    writeFileSync(join(folder, "plain.mjs"), "export default { name: 'plain', priority: 1 };\n");
    writeFileSync(
      join(folder, "future.mjs"),
      "export default { name: 'future', version: '1', priority: 1, configSchema: {}, create() { return {}; }, apiVersion: 99, [Symbol.for('portcullis.plugin')]: true };\n",
    );
    writeFileSync(join(folder, "broken.mjs"), "throw new Error('module blew up');\n");
    const error = await loadError({ ...base, plugins: [{ name: "./plain.mjs" }, { name: "./future.mjs" }, { name: "./broken.mjs" }, { name: "./missing.mjs" }] }, [], folder);
    expect(error.message).toMatch(/plugins\[0\]\.name: plugin module '\.\/plain\.mjs' has no default export made by definePlugin/);
    expect(error.message).toMatch(/plugins\[1\]\.name: .*plugin API version 99.*PC_ERR_PLUGIN_API_MISMATCH/);
    expect(error.message).toMatch(/plugins\[2\]\.name: plugin module '\.\/broken\.mjs' failed to load: module blew up/);
    expect(error.message).toMatch(/plugins\[3\]\.name: plugin module '\.\/missing\.mjs' not found/);
  });

  it("loads a plugin by path relative to the config file", async () => {
    const folder = mkdtempSync(join(tmpdir(), "portcullis-plugins-"));
    const sdk = new URL("../../sdk/src/index.ts", import.meta.url).href;
    writeFileSync(
      join(folder, "geo.mjs"),
      `import { definePlugin } from ${JSON.stringify(sdk)};\nexport default definePlugin({ name: "geo", version: "1.0.0", priority: 5, configSchema: { type: "object" }, create: () => ({}) });\n`,
    );
    writeFileSync(join(folder, "gateway.json"), JSON.stringify({ ...base, plugins: [{ name: "./geo.mjs" }] }));
    const result = await validateConfig(join(folder, "gateway.json"));
    expect(result).toMatchObject({ ok: true });
  });

  it("refuses two different plugins with the same name", async () => {
    const make = () => definePlugin({ name: "twin", version: "1.0.0", priority: 1, configSchema: { type: "object" }, create: () => ({}) });
    await expect(createGateway({ config: base, plugins: [make(), make()], logger: false })).rejects.toThrow(/two registered plugins are named 'twin'/);
  });

  it("reports every invalid plugin config with plugin, scope and path, and starts nothing", async () => {
    let created = 0;
    const limited = definePlugin({
      name: "limited",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object", properties: { minute: { type: "number", exclusiveMinimum: 0 } }, required: ["minute"], additionalProperties: false },
      create() {
        created++;
        return {};
      },
    });
    const error = await loadError(
      {
        ...base,
        services: [{ ...base.services[0], plugins: [{ name: "limited", config: { minute: -1 } }] }],
        plugins: [{ name: "limited", config: { hour: 5 } }],
      },
      [limited],
    );
    expect(error.message).toContain("services[0].plugins[0].config.minute: plugin 'limited' (service): must be > 0");
    expect(error.message).toContain("plugins[0].config.minute: plugin 'limited' (global): required field missing");
    expect(error.message).toContain("plugins[0].config.hour: plugin 'limited' (global): unknown field");
    expect(created).toBe(0);
  });

  it("refuses a consumer-scoped config for a plugin that forbids it", async () => {
    const noConsumer = definePlugin({ name: "no-consumer", version: "1.0.0", priority: 1, allowConsumerScope: false, configSchema: { type: "object" }, create: () => ({}) });
    const error = await loadError({ ...base, consumers: [{ username: "alice", plugins: [{ name: "no-consumer" }] }] }, [noConsumer]);
    expect(error.message).toContain("consumers[0].plugins[0].consumer: plugin 'no-consumer' (consumer) cannot be scoped to a consumer");
  });

  it("validates credentials against the owning plugin's schema", async () => {
    const error = await loadError({ ...base, consumers: [{ username: "alice", jwt_secrets: [{ key: "k", algorithm: "NOPE" }] }] });
    expect(error.message).toContain("consumers[0].jwt_secrets[0].algorithm");
    const unknown = await loadError({ ...base, consumers: [{ username: "alice", magic_tokens: [{ token: "x" }] }] });
    expect(unknown.message).toContain("unknown credential collection 'magic_tokens'");
  });

  it("reports a plugin whose create throws, naming the plugin and scope", async () => {
    const exploding = definePlugin({
      name: "exploding",
      version: "1.0.0",
      priority: 1,
      configSchema: { type: "object" },
      create() {
        throw new Error("cannot start");
      },
    });
    const error = await loadError({ ...base, plugins: [{ name: "exploding" }] }, [exploding]);
    expect(error.message).toContain("plugins[0]: plugin 'exploding' (global) failed to start: cannot start");
  });

  it("interpolates ${ENV} references and refuses unset ones", async () => {
    const gateway = await createGateway({
      config: { ...base, services: [{ name: "s", url: "${UPSTREAM}", routes: [{ paths: ["/"] }] }] },
      env: { UPSTREAM: "http://127.0.0.1:1234" },
      logger: false,
    });
    expect(gateway.config().services[0]?.port).toBe(1234);
    await gateway.close();
    await expect(
      createGateway({ config: { ...base, services: [{ name: "s", url: "${NOT_SET_ANYWHERE}", routes: [{ paths: ["/"] }] }] }, env: {}, logger: false }),
    ).rejects.toThrow(/services\[0\]\.url/);
  });
});
