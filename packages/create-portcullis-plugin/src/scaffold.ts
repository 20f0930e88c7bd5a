import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { derivePluginNames, type PluginNames } from "./naming.js";
import { pluginTemplate, sdkVersionRange } from "./templates.js";

export interface ScaffoldOptions {
  /** The package name or folder, e.g. `my-plugin`, `@acme/portcullis-plugin-geo` or `plugins/geo`. */
  readonly target: string;
  /** Where `target` is resolved from. Default `process.cwd()`. */
  readonly cwd?: string;
  /** The plugin's name in gateway configs. Default: the package name without scope and `portcullis-plugin-`. */
  readonly pluginName?: string;
  /** Higher runs first. Default 800: after authentication (about 1000) and rate limiting (910). */
  readonly priority?: number;
  /** The devDependency specifier of `@portcullis/sdk`. Default the supported range. */
  readonly sdkSpecifier?: string;
  /** Write into a folder that is not empty. Default false. */
  readonly force?: boolean;
}

export interface ScaffoldResult {
  readonly names: PluginNames;
  /** The absolute path of the new package. */
  readonly directory: string;
  /** The files written, relative to `directory`. */
  readonly files: readonly string[];
}

/** Writes a new plugin package. Refuses a folder that exists and is not empty, unless `force`. */
export function scaffoldPlugin(options: ScaffoldOptions): ScaffoldResult {
  const names = derivePluginNames(options.target, options.pluginName);
  const priority = options.priority ?? 800;
  if (!Number.isFinite(priority)) throw new Error(`priority must be a finite number, got ${String(options.priority)}`);
  const directory = resolve(options.cwd ?? process.cwd(), names.directory);
  if (existsSync(directory) && readdirSync(directory).length > 0 && options.force !== true) {
    throw new Error(`${directory} exists and is not empty; choose another name or pass --force`);
  }
  const files = pluginTemplate({ names, priority, sdkSpecifier: options.sdkSpecifier ?? sdkVersionRange });
  for (const file of files) {
    const path = join(directory, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }
  return { names, directory, files: files.map((file) => file.path) };
}
