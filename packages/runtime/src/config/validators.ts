/**
 * Kong's field validators for names, hosts and paths (typedefs.lua), with Kong's messages. Each returns an error
 * message, or undefined when the value is fine.
 */
import { isIP } from "node:net";

const NAME = /^[\p{L}\p{N}._~-]+$/u;

/** typedefs.utf8_name: any non-ASCII letter, plus ASCII alphanumerics and `.-_~`. */
export function checkName(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  return `invalid value '${name}': the only accepted ascii characters are alphanumerics or ., -, _, and ~`;
}

const LABEL = "[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);

export function isHostname(host: string): boolean {
  return host.length <= 253 && HOSTNAME.test(host);
}

/** A host name, an IPv4 address, or an IPv6 address with or without brackets. */
export function isHost(host: string): boolean {
  if (host.startsWith("[") && host.endsWith("]")) return isIP(host.slice(1, -1)) === 6;
  return isIP(host) !== 0 || isHostname(host);
}

export function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) <= 65535;
}

/** Splits `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. Brackets are removed from IPv6 hosts. */
export function splitHostPort(text: string): { host: string; port: string | undefined } | undefined {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    const rest = text.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return undefined;
    const host = text.slice(1, close);
    if (isIP(host) !== 6) return undefined;
    return { host, port: rest === "" ? undefined : rest.slice(1) };
  }
  if (isIP(text) === 6) return { host: text, port: undefined };
  const colon = text.lastIndexOf(":");
  if (colon === -1) return { host: text, port: undefined };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

const RFC3986_PATH = /^\/[A-Za-z0-9.\-_~/%:@!$&'()*+,;=]*$/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

function checkPercentEncoding(path: string): string | undefined {
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(path);
  if (bad === null) return undefined;
  return `invalid url-encoded value: '${path.slice(bad.index, bad.index + 3)}'`;
}

/** Kong's normalisation of a prefix path: unreserved characters decoded, dot segments refused. */
function normalizePrefixPath(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : encoded.toUpperCase();
  });
}

/** typedefs.path: a service path, health check path or cookie path. */
export function checkPath(path: string): string | undefined {
  if (!path.startsWith("/")) return "should start with: /";
  if (path.includes("//")) return "must not have empty segments";
  if (!RFC3986_PATH.test(path)) return `invalid path: '${path}' (characters outside of the reserved list of RFC 3986 found)`;
  return checkPercentEncoding(path);
}

/** typedefs.router_path: a route's `/prefix` or `~/regex` path. */
export function checkRoutePath(path: string): string | undefined {
  if (!path.startsWith("/") && !path.startsWith("~/")) return "should start with: / (fixed path) or ~/ (regex path)";
  if (path.includes("//")) return "must not have empty segments";
  const percent = checkPercentEncoding(path);
  if (percent !== undefined) return percent;
  if (path.startsWith("~")) {
    try {
      new RegExp(path.slice(1));
    } catch (error) {
      return `invalid regex: '${path}' (${(error as Error).message})`;
    }
    return undefined;
  }
  if (!RFC3986_PATH.test(path)) return `invalid path: '${path}' (characters outside of the reserved list of RFC 3986 found)`;
  const segments = path.split("/");
  const normalized = normalizePrefixPath(path);
  if (segments.includes(".") || segments.includes("..") || normalized !== path) {
    const suggestion = normalized
      .split("/")
      .filter((segment) => segment !== "." && segment !== "..")
      .join("/");
    return `non-normalized path, consider use '${suggestion}' instead`;
  }
  return undefined;
}

/** typedefs.wildcard_host: a route host, lower-cased already, with an optional port and at most one `*` label. */
export function checkRouteHost(host: string): string | undefined {
  const wildcards = host.split("*").length - 1;
  if (wildcards > 1) return "invalid wildcard: must have at most one wildcard";
  const parts = splitHostPort(host);
  if (parts === undefined || (parts.port !== undefined && !isPort(parts.port))) return `invalid value: ${host}`;
  let name = parts.host;
  if (wildcards === 1) {
    if (name.startsWith("*.")) name = name.slice(2);
    else if (name.endsWith(".*")) name = name.slice(0, -2);
    else return "invalid wildcard: must be placed at leftmost or rightmost label";
  }
  return isHost(name) || isIP(name) !== 0 ? undefined : `invalid value: ${host}`;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An RFC 9110 token: header names and cookie names. */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}
