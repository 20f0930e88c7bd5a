import type { RouteMatch } from "./router.js";

const SLASH = 0x2f;

/**
 * Kong's `sanitize_uri_postfix`. A prefix that ends inside a segment (`/foo` matching `/foo../x`) leaves a postfix
 * that starts with a dot segment; dropping it keeps `..` out of the upstream path.
 */
function sanitizePostfix(postfix: string): string {
  if (postfix === "." || postfix === "..") return "";
  if (postfix.startsWith("./")) return postfix.slice(2);
  if (postfix.startsWith("../")) return postfix.slice(3);
  return postfix;
}

function endsWithSlash(text: string): boolean {
  return text.charCodeAt(text.length - 1) === SLASH;
}

/**
 * The path sent upstream, by Kong's v0 rules (`get_upstream_uri_v0`; Kong 3's router applies them whatever the
 * route's `path_handling`). `servicePath` is the service's path (absent means `/`), `requestPath` the normalised
 * request path that was matched, `match` the router's result. The query string is the caller's to append.
 */
export function upstreamPath(servicePath: string | undefined, requestPath: string, match: RouteMatch): string {
  const base = servicePath === undefined || servicePath === "" ? "/" : servicePath;
  const stripPath = match.route.stripPath;
  const postfix = sanitizePostfix(
    stripPath ? requestPath.slice(match.matchedPrefix.length) : requestPath.slice(1),
  );

  if (endsWithSlash(base)) {
    if (!stripPath) return base + requestPath.slice(1);
    if (postfix === "") {
      if (base === "/") return "/";
      return endsWithSlash(requestPath) ? base : base.slice(0, -1);
    }
    // The base's trailing slash and the postfix's leading one would double up.
    if (postfix.charCodeAt(0) === SLASH) return base.slice(0, -1) + postfix;
    return base + postfix;
  }

  if (!stripPath) return requestPath === "/" ? base : base + requestPath;
  if (postfix === "") return requestPath.length > 1 && endsWithSlash(requestPath) ? `${base}/` : base;
  if (postfix.charCodeAt(0) === SLASH) return base + postfix;
  return `${base}/${postfix}`;
}
