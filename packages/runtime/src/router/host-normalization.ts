const DOT = 0x2e;
const OPEN_BRACKET = 0x5b;

/**
 * A Host header value as the router matches it: lower-case, without the port and without one trailing dot
 * (`Admin.Example.COM.:8443` → `admin.example.com`). Kong keeps a trailing dot; dropping it means that
 * `admin.example.com.`, which DNS resolves to the same name, cannot escape the routes (and plugins) of
 * `admin.example.com` by falling through to a host-less route. IPv6 literals keep their brackets
 * (`[::1]:8000` → `[::1]`).
 */
export function normalizeHost(hostHeader: string): string {
  let host = hostHeader;
  if (host.charCodeAt(0) === OPEN_BRACKET) {
    const closing = host.indexOf("]");
    if (closing !== -1) host = host.slice(0, closing + 1);
  } else {
    const colon = host.indexOf(":");
    if (colon !== -1) host = host.slice(0, colon);
    if (host.length > 1 && host.charCodeAt(host.length - 1) === DOT) host = host.slice(0, -1);
  }
  return host.toLowerCase();
}
