export { type Environment, type InterpolationResult, interpolateEnv } from "./interpolate.js";
export { type LoadConfigOptions, loadConfig, type NormalizeOptions, normalizeConfig } from "./load-config.js";
export { parseConfigText } from "./parse-config-text.js";
export { configDocumentSchema } from "./schema.js";
export type * from "./types.js";
export { PORTCULLIS_ID_NAMESPACE, uuidV5 } from "./uuid-v5.js";
