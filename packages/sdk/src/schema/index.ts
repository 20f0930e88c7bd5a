/**
 * One way to compile and run JSON Schemas, shared by the runtime and the test harness, so a config that passes one
 * passes the other. Compiled once at load; validation collects every error, each with a readable path.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { JsonSchema } from "../json-schema.js";

export interface SchemaIssue {
  /** Dot/bracket path from the validated value's root, e.g. `redis.port` or `origins[1]`. Empty for the root. */
  readonly path: string;
  readonly message: string;
}

export type SchemaValidator<T = unknown> = (value: unknown) =>
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

let sharedAjv: Ajv | undefined;

function ajvInstance(): Ajv {
  sharedAjv ??= new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    coerceTypes: false,
  });
  return sharedAjv;
}

function pointerToPath(pointer: string): string {
  if (pointer === "") return "";
  let path = "";
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^\d+$/.test(segment) ? `[${segment}]` : path === "" ? segment : `.${segment}`;
  }
  return path;
}

export function joinPath(base: string, child: string): string {
  if (child === "") return base;
  if (base === "") return child;
  return child.startsWith("[") ? `${base}${child}` : `${base}.${child}`;
}

function describe(error: ErrorObject): SchemaIssue {
  const path = pointerToPath(error.instancePath);
  switch (error.keyword) {
    case "required":
      return { path: joinPath(path, String(error.params.missingProperty)), message: "required field missing" };
    case "additionalProperties":
      return { path: joinPath(path, String(error.params.additionalProperty)), message: "unknown field" };
    case "enum":
      return {
        path,
        message: `expected one of: ${(error.params.allowedValues as unknown[]).map((value) => String(value)).join(", ")}`,
      };
    case "type":
      return { path, message: `expected ${String(error.params.type).replace(",", " or ")}` };
    default:
      return { path, message: error.message ?? `failed ${error.keyword}` };
  }
}

function dropNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  // anyOf/oneOf report every branch's failure and then a summary; the summary alone reads better.
  const summaries = errors
    .filter((error) => error.keyword === "anyOf" || error.keyword === "oneOf")
    .map((error) => `${error.schemaPath}/`);
  return errors.filter((error) => !summaries.some((summary) => error.schemaPath.startsWith(summary)));
}

/**
 * Compiles `schema`. Throws when the schema itself is invalid (a plugin bug, reported at load).
 * The returned validator mutates its input by applying defaults; pass it a copy you own.
 */
export function compileSchema<T = unknown>(schema: JsonSchema): SchemaValidator<T> {
  const validate: ValidateFunction = ajvInstance().compile(schema as object | boolean);
  return (value) => {
    if (validate(value)) return { ok: true, value: value as T };
    const seen = new Set<string>();
    const issues: SchemaIssue[] = [];
    for (const error of dropNoise(validate.errors ?? [])) {
      const issue = describe(error);
      const key = `${issue.path}\u0000${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
    }
    return { ok: false, issues };
  };
}

/** Deep-copies plain JSON data, so that applying defaults never touches the caller's objects. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}
