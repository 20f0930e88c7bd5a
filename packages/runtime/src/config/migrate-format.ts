/**
 * Formats 1.1 and 2.1 are read as 3.0 after Kong's path migration (migrate_path_280_300.lua): a route path made only
 * of `[a-zA-Z0-9.-_~/%]` is a prefix; anything else was a regex, which 3.0 spells with a leading `~`.
 */
import { isPlainObject } from "./json-path.js";

const PLAIN_PATH = /^[a-zA-Z0-9.\-_~/%]*$/;

export function migrateRoutePath(path: string): string {
  return PLAIN_PATH.test(path) ? path : `~${path}`;
}

function migrateRoutes(routes: unknown): void {
  if (!Array.isArray(routes)) return;
  for (const route of routes) {
    if (!isPlainObject(route) || !Array.isArray(route.paths)) continue;
    route.paths = route.paths.map((path: unknown) => (typeof path === "string" ? migrateRoutePath(path) : path));
  }
}

/** Rewrites, in place, the route paths of a 1.1/2.1 document into 3.0 form. */
export function migrateToFormat3(document: Record<string, unknown>): void {
  migrateRoutes(document.routes);
  if (!Array.isArray(document.services)) return;
  for (const service of document.services) if (isPlainObject(service)) migrateRoutes(service.routes);
}
