import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { API_VERSION, isPlugin, type Plugin } from "@portcullis/sdk";

/** Config names of the bundled plugins, and the packages that hold them. */
export const bundledPlugins: Readonly<Record<string, string>> = {
  jwt: "@portcullis/plugin-jwt",
  "hmac-auth": "@portcullis/plugin-hmac",
  "rate-limiting": "@portcullis/plugin-ratelimit",
  cors: "@portcullis/plugin-cors",
};

/** Credential collections of the bundled plugins, so that a consumer's credentials validate even when unused. */
export const bundledCredentialOwners: Readonly<Record<string, string>> = {
  jwt_secrets: "jwt",
  hmacauth_credentials: "hmac-auth",
};

export type PluginResolution = { readonly ok: true; readonly plugin: Plugin<unknown> } | { readonly ok: false; readonly code: string; readonly message: string };

function packageEntry(packageDirectory: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(packageDirectory, "package.json"), "utf8")) as {
    exports?: unknown;
    main?: string;
    module?: string;
  };
  const pick = (value: unknown): string | undefined => {
    if (typeof value === "string") return value;
    if (typeof value !== "object" || value === null) return undefined;
    const conditions = value as Record<string, unknown>;
    if ("." in conditions) return pick(conditions["."]);
    return pick(conditions.import) ?? pick(conditions.node) ?? pick(conditions.default);
  };
  const entry = pick(manifest.exports) ?? manifest.module ?? manifest.main ?? "index.js";
  return join(packageDirectory, entry);
}

/** Finds a package the way Node would from `baseDirectory`, so that a config can name the user's own packages. */
function locatePackage(specifier: string, baseDirectory: string): string | undefined {
  const parts = specifier.split("/");
  const packageName = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
  const subpath = parts.slice(specifier.startsWith("@") ? 2 : 1).join("/");
  let directory = resolve(baseDirectory);
  for (;;) {
    const candidate = join(directory, "node_modules", packageName);
    if (existsSync(join(candidate, "package.json"))) {
      return subpath === "" ? packageEntry(candidate) : join(candidate, subpath);
    }
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

function describeImportFailure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Resolves one plugin name from config: a registered plugin object, a bundled name, a path (`./x.js`, absolute), or
 * a package specifier. Refuses a missing module, a module without a branded default export, and an API mismatch.
 */
export async function resolvePlugin(
  name: string,
  registered: ReadonlyMap<string, Plugin<unknown>>,
  baseDirectory: string,
): Promise<PluginResolution> {
  const own = registered.get(name);
  if (own !== undefined) return checkPlugin(name, own);
  const bundled = bundledPlugins[name];
  let module: Record<string, unknown>;
  try {
    if (bundled !== undefined) {
      module = (await import(bundled)) as Record<string, unknown>;
    } else if (name.startsWith(".") || isAbsolute(name)) {
      const file = resolve(baseDirectory, name);
      if (!existsSync(file)) return { ok: false, code: "PC_ERR_PLUGIN_NOT_FOUND", message: `plugin module '${name}' not found (looked for ${file})` };
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } else if (/^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/[\w./-]+)?$/i.test(name)) {
      const located = locatePackage(name, baseDirectory);
      module = (await import(located === undefined ? name : pathToFileURL(located).href)) as Record<string, unknown>;
    } else {
      return { ok: false, code: "PC_ERR_PLUGIN_NOT_FOUND", message: `unknown plugin '${name}'` };
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      return { ok: false, code: "PC_ERR_PLUGIN_NOT_FOUND", message: `unknown plugin '${name}': no bundled plugin, registered plugin or installed package of that name` };
    }
    return { ok: false, code: "PC_ERR_PLUGIN_INVALID", message: `plugin module '${name}' failed to load: ${describeImportFailure(error)}` };
  }
  const candidate = module.default ?? module.plugin;
  return checkPlugin(name, candidate);
}

function checkPlugin(name: string, candidate: unknown): PluginResolution {
  if (!isPlugin(candidate)) {
    return { ok: false, code: "PC_ERR_PLUGIN_INVALID", message: `plugin module '${name}' has no default export made by definePlugin from @portcullis/sdk` };
  }
  if (candidate.apiVersion !== API_VERSION) {
    return {
      ok: false,
      code: "PC_ERR_PLUGIN_API_MISMATCH",
      message: `plugin '${name}' was built for plugin API version ${String(candidate.apiVersion)}, this runtime speaks version ${API_VERSION}`,
    };
  }
  return { ok: true, plugin: candidate };
}
