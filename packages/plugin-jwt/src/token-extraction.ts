import type { ClientRequest } from "@portcullis/sdk";

/** Where to look for a token; names are lower-cased once at load. */
export interface TokenSources {
  readonly uriParamNames: readonly string[];
  /** Lower-cased: nginx matches `$cookie_<name>` case-insensitively. */
  readonly cookieNames: readonly string[];
  /** Lower-cased. */
  readonly headerNames: readonly string[];
}

export type TokenLookup =
  | { readonly kind: "none" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "multiple" }
  /** The only candidate was a bare query flag (`?jwt`), which Kong reads as a boolean. */
  | { readonly kind: "unrecognizable" };

const none: TokenLookup = { kind: "none" };
const multiple: TokenLookup = { kind: "multiple" };
const unrecognizable: TokenLookup = { kind: "unrecognizable" };

// Kong's `\s*[Bb]earer\s+(.+)`, unanchored, first match.
const bearerPattern = /\s*[Bb]earer\s+(.+)/;

export function createTokenSources(config: {
  readonly uri_param_names: readonly string[];
  readonly cookie_names: readonly string[];
  readonly header_names: readonly string[];
}): TokenSources {
  return {
    uriParamNames: [...config.uri_param_names],
    cookieNames: config.cookie_names.map((name) => name.toLowerCase()),
    headerNames: config.header_names.map((name) => name.toLowerCase()),
  };
}

/** The value of the first cookie called `name` (lower-cased) across every Cookie header, as nginx's `$cookie_`. */
export function findCookie(header: string | readonly string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const lines = typeof header === "string" ? [header] : header;
  for (const line of lines) {
    let start = 0;
    while (start < line.length) {
      let end = line.indexOf(";", start);
      if (end === -1) end = line.length;
      const equals = line.indexOf("=", start);
      if (equals !== -1 && equals < end) {
        const cookieName = line.slice(start, equals).trim();
        if (cookieName.length === name.length && cookieName.toLowerCase() === name) {
          return line.slice(equals + 1, end).trim();
        }
      }
      start = end + 1;
    }
  }
  return undefined;
}

/**
 * Kong's `retrieve_tokens`: query parameters, then cookies, then `Bearer` headers, all into one set. One distinct
 * token is the token; the same token sent twice counts once; two distinct tokens are "Multiple tokens provided".
 */
/** Marks a lookup that found two different tokens. */
const several: unique symbol = Symbol("several tokens");
type Found = string | true | typeof several | undefined;

/** One distinct candidate is kept; the same one again changes nothing; a different one makes it "several". */
function merge(found: Found, candidate: string | true): Found {
  return found === undefined ? candidate : found === candidate ? found : several;
}

/**
 * The token in one header value, as Kong's `\s*[Bb]earer\s+(.+)` finds it. The usual `Bearer <token>` is read
 * without running the pattern; the character after the space must not be one the pattern's `\s+` would take (the
 * latin1 whitespace: tab to carriage return, space and no-break space).
 */
export function bearerToken(value: string): string | undefined {
  if (value.length > 7 && value.startsWith("Bearer ")) {
    const next = value.charCodeAt(7);
    if (next > 32 && next !== 160) return value.slice(7);
  }
  return bearerPattern.exec(value)?.[1];
}

/**
 * Kong's `retrieve_tokens`: query parameters, then cookies, then `Bearer` headers, all into one set. One distinct
 * token is the token; the same token sent twice counts once; two distinct tokens are "Multiple tokens provided".
 */
export function findToken(request: ClientRequest, sources: TokenSources): TokenLookup {
  let found: Found;

  if (sources.uriParamNames.length > 0) {
    const query = request.query;
    for (const name of sources.uriParamNames) {
      const value = Object.hasOwn(query, name) ? query[name] : undefined;
      if (value === undefined) continue;
      if (typeof value === "string" || value === true) {
        if (value !== "") found = merge(found, value);
      } else {
        for (const item of value) if (item !== "") found = merge(found, item);
      }
    }
  }

  if (sources.cookieNames.length > 0) {
    const cookieHeader = request.headers.cookie;
    for (const name of sources.cookieNames) {
      const cookie = findCookie(cookieHeader, name);
      if (cookie !== undefined && cookie !== "") found = merge(found, cookie);
    }
  }

  for (const name of sources.headerNames) {
    const raw = request.headers[name];
    if (raw === undefined) continue;
    const first = typeof raw === "string" ? raw : raw[0];
    if (first === undefined) continue;
    const token = bearerToken(first);
    if (token !== undefined && token !== "") found = merge(found, token);
  }

  if (found === undefined) return none;
  if (found === several) return multiple;
  if (found === true) return unrecognizable;
  return { kind: "token", token: found };
}
