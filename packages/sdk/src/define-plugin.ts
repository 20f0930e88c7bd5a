import { sdkErrors } from "./errors.js";
import type { InferConfig, JsonSchema } from "./json-schema.js";
import { API_VERSION, type Plugin, type PluginDefinition, pluginBrand } from "./plugin.js";

const namePattern = /^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

type DefinitionFromSchema<S extends JsonSchema> = Omit<PluginDefinition<InferConfig<S>>, "configSchema"> & {
  readonly configSchema: S;
};

/**
 * Defines a plugin. The config type is inferred from `configSchema`, or declared with a type argument.
 *
 * @example
 * export default definePlugin({
 *   name: "greeting",
 *   version: "1.0.0",
 *   priority: 800,
 *   configSchema: { type: "object", properties: { text: { type: "string", default: "hello" } } },
 *   create(config) {
 *     return { headerFilter(ctx) { ctx.response.setHeader("x-greeting", config.text) } };
 *   },
 * });
 */
export function definePlugin<const S extends JsonSchema>(definition: DefinitionFromSchema<S>): Plugin<InferConfig<S>>;
export function definePlugin<Config>(definition: PluginDefinition<Config>): Plugin<Config>;
export function definePlugin(definition: PluginDefinition<unknown>): Plugin<unknown> {
  const problems: string[] = [];
  if (typeof definition !== "object" || definition === null) throw sdkErrors.PLUGIN_INVALID("not an object");
  if (typeof definition.name !== "string" || !namePattern.test(definition.name)) {
    problems.push(`name must be a lower-case kebab-case string, got ${JSON.stringify(definition.name)}`);
  }
  if (typeof definition.version !== "string" || definition.version === "") problems.push("version must be a string");
  if (typeof definition.priority !== "number" || !Number.isFinite(definition.priority)) {
    problems.push("priority must be a finite number");
  }
  if (typeof definition.create !== "function") problems.push("create must be a function");
  const schema = definition.configSchema;
  if (typeof schema !== "boolean" && (typeof schema !== "object" || schema === null)) {
    problems.push("configSchema must be a JSON Schema object");
  }
  if (definition.credentials !== undefined) {
    for (const [collection, spec] of Object.entries(definition.credentials)) {
      if (typeof spec !== "object" || spec === null || spec.schema === undefined) {
        problems.push(`credentials.${collection} must have a schema`);
      }
    }
  }
  if (problems.length > 0) {
    throw sdkErrors.PLUGIN_INVALID(`${String(definition.name)}: ${problems.join("; ")}`);
  }
  return Object.freeze({ ...definition, apiVersion: API_VERSION, [pluginBrand]: true as const });
}

/** True when `value` is a plugin made by `definePlugin`, from any copy of the SDK. */
export function isPlugin(value: unknown): value is Plugin<unknown> {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[pluginBrand] === true;
}
