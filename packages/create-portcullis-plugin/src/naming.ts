import { basename } from "node:path";

/** npm's rule for a package name: lower case, URL-safe, at most 214 characters, optionally scoped. */
const packageNamePattern = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The SDK's rule for a plugin name: what a gateway config writes in `plugins[].name`. */
const pluginNamePattern = /^[a-z0-9][a-z0-9._-]*$/;

export interface PluginNames {
  /** The npm package name, e.g. `@acme/portcullis-plugin-geo`. */
  readonly packageName: string;
  /** The plugin's own name, e.g. `geo`. */
  readonly pluginName: string;
  /** The folder the package is written to, relative to the working directory, e.g. `portcullis-plugin-geo`. */
  readonly directory: string;
}

/**
 * Derives the package name, the plugin name and the folder from what the user typed. The conventional prefix
 * `portcullis-plugin-` is dropped from the plugin name, as the bundled plugins drop `@portcullis/plugin-`.
 */
export function derivePluginNames(target: string, pluginName?: string): PluginNames {
  const trimmed = target.trim().replace(/\/+$/, "");
  if (trimmed === "") throw new Error("a package name is required, e.g. `npm create portcullis-plugin my-plugin`");
  const scoped = trimmed.startsWith("@");
  const packageName = scoped ? trimmed : basename(trimmed);
  if (packageName.length > 214 || !packageNamePattern.test(packageName)) {
    throw new Error(`'${packageName}' is not a valid npm package name: use lower-case letters, digits, '-', '.' or '_'`);
  }
  const unscoped = packageName.includes("/") ? packageName.slice(packageName.indexOf("/") + 1) : packageName;
  const derived = unscoped.replace(/^portcullis-plugin-/, "") || unscoped;
  const name = pluginName ?? derived;
  if (!pluginNamePattern.test(name)) {
    throw new Error(`'${name}' is not a valid plugin name: use lower-case letters, digits, '-', '.' or '_'`);
  }
  return { packageName, pluginName: name, directory: scoped ? unscoped : trimmed };
}
