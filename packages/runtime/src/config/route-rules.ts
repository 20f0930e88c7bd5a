/** Kong's cross-field rules for a route (routes.lua and routes_subschemas.lua), with Kong's messages. */
import { childPath } from "./json-path.js";
import type { Report } from "./report.js";
import { checkName, checkRouteHost, checkRoutePath, isToken } from "./validators.js";

const GROUPS = [
  ["http", "https"],
  ["grpc", "grpcs"],
] as const;

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

function isGrpc(protocols: readonly string[]): boolean {
  return protocols.some((protocol) => protocol === "grpc" || protocol === "grpcs");
}

/** Checks one schema-checked route; `strip_path` is read before defaults, since grpc routes forbid setting it true. */
export function checkRoute(route: Readonly<Record<string, unknown>>, source: string, report: Report): void {
  if (typeof route.name === "string") {
    const problem = checkName(route.name);
    if (problem !== undefined) report(childPath(source, "name"), problem);
  }

  const protocols = strings(route.protocols) ?? ["http", "https"];
  const groupsUsed = GROUPS.filter((group) => group.some((protocol) => protocols.includes(protocol)));
  if (groupsUsed.length > 1) {
    report(childPath(source, "protocols"), "these sets are mutually exclusive: ('http', 'https'), ('grpc', 'grpcs')");
  }

  const methods = strings(route.methods);
  const hosts = strings(route.hosts);
  const paths = strings(route.paths);
  const headers = route.headers !== null && typeof route.headers === "object" ? route.headers : undefined;
  const has = (value: readonly unknown[] | object | undefined) =>
    value !== undefined && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);

  if (isGrpc(protocols) && groupsUsed.length === 1) {
    if (methods !== undefined) report(childPath(source, "methods"), "cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs'");
    if (route.strip_path === true) {
      report(childPath(source, "strip_path"), "cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs'");
    }
    if (!has(hosts) && !has(headers) && !has(paths)) {
      const which = protocols.includes("grpcs") ? "grpcs" : "grpc";
      report(source, `must set one of 'hosts', 'headers', 'paths' when 'protocols' is '${which}'`);
    }
  } else if (groupsUsed.length === 1 && !has(methods) && !has(hosts) && !has(headers) && !has(paths)) {
    const which = protocols.includes("https") ? "https" : "http";
    report(source, `must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is '${which}'`);
  }

  if (Array.isArray(route.paths)) {
    route.paths.forEach((path, index) => {
      if (typeof path !== "string") return;
      const problem = checkRoutePath(path);
      if (problem !== undefined) report(childPath(childPath(source, "paths"), index), problem);
    });
  }

  if (Array.isArray(route.hosts)) {
    route.hosts.forEach((host, index) => {
      if (typeof host !== "string") return;
      const problem = checkRouteHost(host.toLowerCase());
      if (problem !== undefined) report(childPath(childPath(source, "hosts"), index), problem);
    });
  }

  if (headers !== undefined) {
    const headersPath = childPath(source, "headers");
    for (const [name, values] of Object.entries(headers)) {
      const headerPath = childPath(headersPath, name);
      if (name.toLowerCase() === "host") {
        report(headersPath, "cannot contain 'host' header, which must be specified in the 'hosts' attribute");
        continue;
      }
      if (!isToken(name)) report(headerPath, `invalid header name: '${name}'`);
      if (!Array.isArray(values)) continue;
      if (values.length === 0) report(headerPath, "must have at least one value");
      values.forEach((value, index) => {
        // Kong 3 treats a value starting with `~*` as a case-insensitive regex.
        if (typeof value !== "string" || !value.startsWith("~*")) return;
        try {
          new RegExp(value.slice(2), "i");
        } catch (error) {
          report(childPath(headerPath, index), `invalid regex: '${value}' (${(error as Error).message})`);
        }
      });
    }
  }
}
