export { normalizeHost } from "./host-normalization.js";
export { MatchCache } from "./match-cache.js";
export { normalizePath } from "./path-normalization.js";
export { compileRouter } from "./router.js";
export type { RequestProtocol, RouteMatch, RouteRequest, Router, RouterOptions } from "./router.js";
export { upstreamPath } from "./upstream-path.js";
