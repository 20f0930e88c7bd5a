/**
 * Kong normalises origins with LuaSocket's `socket.url.parse`, not with a WHATWG URL parser. Reproducing that
 * parser (rather than `new URL`) keeps Kong's matching exact: an entry without a scheme, such as `example.test`,
 * has no host, so it only ever equals an Origin sent without a scheme.
 */
export interface NormalizedOrigin {
  /** `scheme://host[:port]`, with `:80` dropped for http and `:443` for https; the input unchanged if it has no host. */
  readonly domain: string;
  /** The host alone (no brackets for IPv6); the input unchanged if it has no host. */
  readonly host: string;
}

const schemePattern = /^([A-Za-z0-9][A-Za-z0-9+\-.]*):/;

export function normalizeOrigin(value: string): NormalizedOrigin {
  let rest = value;
  let scheme: string | undefined;
  const schemeMatch = schemePattern.exec(rest);
  if (schemeMatch !== null) {
    scheme = schemeMatch[1];
    rest = rest.slice(schemeMatch[0].length);
  }
  if (!rest.startsWith("//")) return { domain: value, host: value };
  const slash = rest.indexOf("/", 2);
  let authority = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
  const at = authority.indexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  let port: string | undefined;
  const colon = authority.lastIndexOf(":");
  if (colon !== -1 && !authority.slice(colon + 1).includes("]")) {
    port = authority.slice(colon + 1);
    authority = authority.slice(0, colon);
  }
  if (authority === "") return { domain: value, host: value };
  const bracketed = authority.length > 2 && authority.startsWith("[") && authority.endsWith("]");
  const host = bracketed ? authority.slice(1, -1) : authority;
  if ((scheme === "http" && port === "80") || (scheme === "https" && port === "443")) port = undefined;
  // Kong drops IPv6 brackets from the domain too, which yields an ACAO no browser accepts; we keep them.
  const domain = `${scheme === undefined ? "" : `${scheme}://`}${authority}${port === undefined ? "" : `:${port}`}`;
  return { domain, host };
}
