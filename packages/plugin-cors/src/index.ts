import cors from "./plugin.js";

export default cors;
export { cors };
export { corsErrors } from "./errors.js";
export { type NormalizedOrigin, normalizeOrigin } from "./normalize-origin.js";
export { compileOriginPolicy, type OriginDecision, type OriginPolicy, type OriginPolicyOptions } from "./origin-policy.js";
export { classifyOrigin, isValidOriginEntry, type OriginPattern } from "./origin-pattern.js";
export { corsConfigSchema, corsMethods } from "./schema.js";
