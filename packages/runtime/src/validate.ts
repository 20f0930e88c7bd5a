import { resolve } from "node:path";
import type { Plugin } from "@portcullis/sdk";
import { loadConfig } from "./config/index.js";
import type { ConfigIssue } from "./config/types.js";
import { silentLogger } from "./logger.js";
import { buildSnapshot, closeSnapshot } from "./snapshot.js";
import { dirname } from "node:path";

export type ValidationResult = { readonly ok: true; readonly summary: string } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/**
 * Runs the whole load pipeline without listening: parse, interpolate, validate, resolve plugins, validate each
 * plugin config and credential, and create (then close) every instance. What `portcullis validate` prints.
 */
export async function validateConfig(
  input: string | Readonly<Record<string, unknown>>,
  // biome-ignore lint/suspicious/noExplicitAny: plugins of any config type are accepted
  options: { readonly env?: Readonly<Record<string, string | undefined>>; readonly plugins?: readonly Plugin<any>[]; readonly cwd?: string } = {},
): Promise<ValidationResult> {
  const file = typeof input === "string" ? resolve(options.cwd ?? process.cwd(), input) : undefined;
  const baseDirectory = options.cwd ?? (file === undefined ? process.cwd() : dirname(file));
  const loaded = await loadConfig(file ?? (input as Record<string, unknown>), { env: options.env ?? process.env, cwd: baseDirectory });
  if (!loaded.ok) return { ok: false, issues: loaded.issues };
  const registered = new Map((options.plugins ?? []).map((plugin) => [plugin.name, plugin as Plugin<unknown>]));
  const built = await buildSnapshot(loaded.config, { registered, baseDirectory, logger: silentLogger, now: Date.now, version: 1 });
  if (!built.ok) return { ok: false, issues: built.issues };
  await closeSnapshot(built.snapshot, silentLogger);
  const { config } = loaded;
  return {
    ok: true,
    summary: `${config.services.length} services, ${config.routes.length} routes, ${config.consumers.length} consumers, ${config.plugins.length} plugins`,
  };
}
