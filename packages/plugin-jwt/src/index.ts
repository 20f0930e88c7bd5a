import { jwt } from "./plugin.js";

export default jwt;
export { jwt, type JwtConfig } from "./plugin.js";
export { jwtErrors } from "./errors.js";
export { configSchema, credentialSchema } from "./schema.js";
export { algorithms, type Algorithm } from "./algorithms.js";
