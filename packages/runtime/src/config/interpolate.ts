/**
 * `${ENV_VAR}` interpolation in every string value of a config document (keys are left alone), so that secrets need
 * not sit in the file. `${VAR:-fallback}` uses `fallback` when VAR is unset or empty, as a shell does. `$${...}` is a
 * literal `${...}`. An unset variable without a fallback is an error naming the variable and the JSON path: an empty
 * secret that silently passes would be worse than a refusal to start.
 */
import type { ConfigIssue } from "./types.js";
import { childPath, isPlainObject } from "./json-path.js";

export type Environment = Readonly<Record<string, string | undefined>>;

export interface InterpolationResult {
  /** A copy of the input with every reference replaced; unresolved references are left as written. */
  readonly value: unknown;
  readonly issues: readonly ConfigIssue[];
}

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function interpolateString(text: string, env: Environment, path: string, issues: ConfigIssue[]): string {
  if (!text.includes("${")) return text;
  let output = "";
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("$", index);
    if (start === -1) {
      output += text.slice(index);
      break;
    }
    output += text.slice(index, start);
    if (text.startsWith("$${", start)) {
      output += "${";
      index = start + 3;
      continue;
    }
    if (!text.startsWith("${", start)) {
      output += "$";
      index = start + 1;
      continue;
    }
    const end = text.indexOf("}", start + 2);
    if (end === -1) {
      issues.push({ path, message: `unterminated variable reference "${text.slice(start)}" (write $\${ for a literal \${)` });
      output += text.slice(start);
      break;
    }
    const body = text.slice(start + 2, end);
    const match = REFERENCE.exec(body);
    if (match === null) {
      issues.push({ path, message: `invalid variable reference "\${${body}}" (write $\${ for a literal \${)` });
      output += text.slice(start, end + 1);
    } else {
      const [, name, fallback] = match as unknown as [string, string, string | undefined];
      const value = env[name];
      if (fallback !== undefined && (value === undefined || value === "")) {
        output += fallback;
      } else if (value === undefined) {
        issues.push({ path, message: `environment variable ${name} is not set` });
        output += text.slice(start, end + 1);
      } else {
        output += value;
      }
    }
    index = end + 1;
  }
  return output;
}

function walk(value: unknown, env: Environment, path: string, issues: ConfigIssue[], ancestors: Set<object>): unknown {
  if (typeof value === "string") return interpolateString(value, env, path, issues);
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  // A document built in code (or a YAML alias inside its own anchor) can contain itself; JSON cannot.
  if (ancestors.has(value)) {
    issues.push({ path, message: "circular reference" });
    return null;
  }
  ancestors.add(value);
  let copy: unknown;
  if (Array.isArray(value)) {
    copy = value.map((item, index) => walk(item, env, childPath(path, index), issues, ancestors));
  } else {
    const entries: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) entries[key] = walk(item, env, childPath(path, key), issues, ancestors);
    copy = entries;
  }
  ancestors.delete(value);
  return copy;
}

/** Interpolates `${VAR}` references in every string of `document`; never mutates it. */
export function interpolateEnv(document: unknown, env: Environment, basePath = ""): InterpolationResult {
  const issues: ConfigIssue[] = [];
  const value = walk(document, env, basePath, issues, new Set());
  return { value, issues };
}
