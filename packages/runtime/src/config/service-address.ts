/**
 * A service's address: the `url` shorthand or explicit protocol/host/port/path, with Kong's default ports. Kong's
 * shorthand gives http 80 and https 443 when the url has no port, and 80 for every other protocol (grpcs included);
 * explicit fields default to port 80 whatever the protocol. Both are kept, for compatibility with Kong files.
 */
import type { ServiceProtocol } from "./types.js";
import { childPath } from "./json-path.js";
import type { Report } from "./report.js";
import { PROTOCOLS } from "./schema.js";
import { checkPath, isHost, isPort, splitHostPort } from "./validators.js";

export interface ServiceAddress {
  readonly protocol: ServiceProtocol;
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
}

const URL_FORM = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/;
const DEFAULT_PORT = 80;

function isProtocol(value: unknown): value is ServiceProtocol {
  return typeof value === "string" && (PROTOCOLS as readonly string[]).includes(value);
}

function parseUrl(url: string, path: string, report: Report): ServiceAddress | undefined {
  const fail = (reason: string) => {
    report(path, `invalid url '${url}': ${reason}`);
    return undefined;
  };
  const match = URL_FORM.exec(url);
  if (match === null) return fail("expected protocol://host[:port][/path]");
  const [, scheme = "", authority = "", urlPath = "", query, fragment] = match;
  const protocol = scheme.toLowerCase();
  if (!isProtocol(protocol)) return fail(`unsupported protocol '${scheme}' (expected http, https, grpc or grpcs)`);
  if (query !== undefined || fragment !== undefined) return fail("a query or fragment is not allowed");
  if (authority.includes("@")) return fail("credentials in the url are not allowed");
  const parts = splitHostPort(authority);
  if (parts === undefined || parts.host === "" || !isHost(parts.host)) return fail("invalid host");
  if (parts.port !== undefined && !isPort(parts.port)) return fail("invalid port");
  if (urlPath !== "") {
    const problem = checkPath(urlPath);
    if (problem !== undefined) return fail(`path ${problem}`);
  }
  const port =
    parts.port !== undefined ? Number(parts.port) : protocol === "https" ? 443 : DEFAULT_PORT;
  return { protocol, host: parts.host, port, path: urlPath === "" ? undefined : urlPath };
}

/** Reads the address of one (schema-checked) service, reporting problems under `source`. */
export function resolveServiceAddress(
  service: Readonly<Record<string, unknown>>,
  source: string,
  report: Report,
): ServiceAddress | undefined {
  let address: ServiceAddress | undefined;
  if (typeof service.url === "string") {
    const explicit = ["protocol", "host", "port", "path"].filter((key) => service[key] !== undefined);
    if (explicit.length > 0) {
      report(childPath(source, "url"), `cannot be combined with ${explicit.map((key) => `'${key}'`).join(", ")}`);
      return undefined;
    }
    address = parseUrl(service.url, childPath(source, "url"), report);
  } else {
    if (service.host === undefined) {
      report(childPath(source, "host"), "required field missing");
      return undefined;
    }
    if (typeof service.host !== "string") return undefined;
    const host = splitHostPort(service.host);
    const bare = host !== undefined && host.port === undefined ? host.host : service.host;
    if (!isHost(bare)) {
      report(childPath(source, "host"), `invalid value: ${service.host}`);
      return undefined;
    }
    const protocol = isProtocol(service.protocol) ? service.protocol : "http";
    const port = typeof service.port === "number" ? service.port : DEFAULT_PORT;
    let path: string | undefined;
    if (typeof service.path === "string") {
      const problem = checkPath(service.path);
      if (problem !== undefined) {
        report(childPath(source, "path"), problem);
        return undefined;
      }
      path = service.path;
    }
    address = { protocol, host: bare, port, path };
  }
  if (address !== undefined && address.path !== undefined && (address.protocol === "grpc" || address.protocol === "grpcs")) {
    const where = typeof service.url === "string" ? "url" : "path";
    report(childPath(source, where), "a path is not allowed when 'protocol' is 'grpc' or 'grpcs'");
    return undefined;
  }
  return address;
}
