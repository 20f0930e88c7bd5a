/**
 * Loads Kong's declarative config (`_format_version: "3.0"`) from a YAML/JSON file or an object into a validated,
 * normalised GatewayConfig. Never throws for bad input: a missing file, a syntax error, a schema violation or a
 * dangling reference all come back as issues with their JSON path.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Environment } from "./interpolate.js";
import { normalizeConfig } from "./normalize-config.js";
import { parseConfigText } from "./parse-config-text.js";
import type { ConfigResult } from "./types.js";

export { type NormalizeOptions, normalizeConfig } from "./normalize-config.js";

export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation; `process.env` when omitted. */
  readonly env?: Environment;
  /** Directory a relative file path is resolved against; `process.cwd()` when omitted. */
  readonly cwd?: string;
}

function readFailure(file: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOENT":
      return `config file not found: ${file}`;
    case "EACCES":
    case "EPERM":
      return `config file not readable (permission denied): ${file}`;
    case "EISDIR":
      return `config path is a directory, not a file: ${file}`;
    default:
      return `cannot read config file ${file}: ${(error as Error).message}`;
  }
}

/** Loads `input` (a file path, or an already parsed document) and normalises it. */
export async function loadConfig(input: string | object, options: LoadConfigOptions = {}): Promise<ConfigResult> {
  if (typeof input !== "string") return normalizeConfig(input, options);
  const file = resolve(options.cwd ?? process.cwd(), input);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { ok: false, issues: [{ path: "", message: readFailure(file, error) }] };
  }
  const parsed = parseConfigText(text, file);
  if (!parsed.ok) return parsed;
  return normalizeConfig(parsed.value, options);
}
