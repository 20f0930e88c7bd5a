/**
 * The subset of JSON Schema (draft 2020-12 / draft-07 keywords that ajv understands) that plugin config and
 * credential schemas are written in. Unknown keywords are allowed by the type so that any valid schema fits;
 * `InferConfig` reads only the keywords that shape a value.
 */
export type JsonSchema = boolean | JsonSchemaObject;

export interface JsonSchemaObject {
  readonly type?: JsonSchemaType | readonly JsonSchemaType[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly description?: string;
  /** Marks a secret: it is redacted from the admin `/config` output and never logged. */
  readonly writeOnly?: boolean;
  readonly [keyword: string]: unknown;
}

export type JsonSchemaType = "string" | "number" | "integer" | "boolean" | "null" | "array" | "object";

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type RequiredKeys<S, P> =
  | (S extends { readonly required: readonly (infer R)[] } ? R : never)
  // ajv fills defaults in, so a property with a default is always present in the config `create` receives.
  | { [K in keyof P]: P[K] extends { readonly default: unknown } ? K : never }[keyof P];

type InferObject<S> = S extends { readonly properties: infer P }
  ? Simplify<
      { -readonly [K in keyof P as K extends RequiredKeys<S, P> ? K : never]-?: InferConfig<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredKeys<S, P> ? never : K]?: InferConfig<P[K]>;
      } & (S extends { readonly additionalProperties: infer A }
          ? A extends false
            ? unknown
            : A extends true
              ? Record<string, unknown>
              : Record<string, InferConfig<A>>
          : unknown)
    >
  : S extends { readonly additionalProperties: infer A }
    ? A extends false
      ? Record<string, never>
      : Record<string, A extends true ? unknown : InferConfig<A>>
    : Record<string, unknown>;

type InferType<T, S> = T extends "string"
  ? string
  : T extends "number" | "integer"
    ? number
    : T extends "boolean"
      ? boolean
      : T extends "null"
        ? null
        : T extends "array"
          ? S extends { readonly items: infer I }
            ? InferConfig<I>[]
            : unknown[]
          : T extends "object"
            ? InferObject<S>
            : unknown;

/**
 * The TypeScript type of a value that validates against the JSON Schema `S`, after ajv applied its defaults.
 *
 * @example
 * const schema = { type: "object", properties: { minute: { type: "number" } }, required: ["minute"] } as const;
 * type Config = InferConfig<typeof schema>; // { minute: number }
 */
export type InferConfig<S> = S extends { readonly const: infer C }
  ? C
  : S extends { readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly anyOf: readonly (infer A)[] }
      ? InferConfig<A>
      : S extends { readonly oneOf: readonly (infer O)[] }
        ? InferConfig<O>
        : S extends { readonly type: readonly (infer T)[] }
          ? InferType<T, S>
          : S extends { readonly type: infer T }
            ? InferType<T, S>
            : S extends { readonly properties: object }
              ? InferObject<S>
              : unknown;
