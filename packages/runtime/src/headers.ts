import type { HeaderValue } from "@portcullis/sdk";

/** Headers that belong to one connection and are never forwarded (RFC 9110 7.6.1), in either direction. */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "http2-settings",
]);

/**
 * Framing and routing headers a `Connection` token may never remove: dropping them would change how the message
 * is delimited or where it goes, which is what request smuggling exploits.
 */
const protectedFromConnection: ReadonlySet<string> = new Set(["content-length", "host", "content-type"]);

/** The extra header names a `Connection` header lists, lower-cased; undefined when there are none. */
export function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  // The common values list nothing extra; skip the split on the hot path.
  if (connection === undefined || connection === "keep-alive" || connection === "close" || connection === "Keep-Alive") return undefined;
  const text = Array.isArray(connection) ? connection.join(",") : connection;
  let listed: Set<string> | undefined;
  for (const token of text.split(",")) {
    const name = token.trim().toLowerCase();
    if (name === "" || name === "close" || name === "keep-alive" || name === "upgrade" || protectedFromConnection.has(name)) continue;
    (listed ??= new Set()).add(name);
  }
  return listed;
}

export function firstValue(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value[0];
}

export type MutableHeaders = Record<string, string | string[] | undefined>;

export function setHeader(headers: MutableHeaders, name: string, value: HeaderValue): void {
  headers[name.toLowerCase()] = typeof value === "string" ? value : [...value];
}

export function addHeader(headers: MutableHeaders, name: string, value: string): void {
  const key = name.toLowerCase();
  const existing = headers[key];
  if (existing === undefined) headers[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else headers[key] = [existing, value];
}

export function removeHeader(headers: MutableHeaders, name: string): void {
  delete headers[name.toLowerCase()];
}

const forbiddenInValue = /[\r\n\0]/;

export function assertHeaderValue(name: string, value: HeaderValue): void {
  // The single string is the common case: checked without wrapping it in an array.
  if (typeof value === "string") {
    if (forbiddenInValue.test(value)) throw new TypeError(`invalid value for header '${name}'`);
    return;
  }
  if (!Array.isArray(value)) throw new TypeError(`invalid value for header '${name}'`);
  for (const item of value) {
    if (typeof item !== "string" || forbiddenInValue.test(item)) throw new TypeError(`invalid value for header '${name}'`);
  }
}

/**
 * Copies response headers without the hop-by-hop ones (and those `Connection` lists). A fresh object keeps V8's
 * fast properties: deleting keys from the parsed object would turn it into a slow dictionary before `writeHead`.
 */
export function withoutHopByHop(headers: Readonly<Record<string, string | string[] | undefined>>): MutableHeaders {
  const listed = connectionListed(headers.connection);
  const copy: MutableHeaders = {};
  for (const name in headers) {
    if (hopByHopHeaders.has(name) || listed?.has(name)) continue;
    copy[name] = headers[name];
  }
  return copy;
}

/**
 * True when a request carries more than one Host field. Node keeps the first and drops the rest, so a gateway that
 * routes on the first and an upstream that reads the last would disagree on the target: RFC 9112 3.2 requires a 400.
 */
export function hasDuplicateHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    if (name.length !== 4 || name.toLowerCase() !== "host") continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}
