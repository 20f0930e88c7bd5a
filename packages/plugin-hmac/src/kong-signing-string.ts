/** What the Kong signing string reads from a request. */
export interface KongSigningRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The raw path plus `?query`, exactly as received (Kong's `$request_uri`). */
  readonly requestUri: string;
  /** `"1.1"`, `"1.0"`, `"2.0"`, `"2"`… printed by Kong with one decimal. */
  readonly httpVersion: string;
  /** First value of a header; the name is case-insensitive. */
  header(name: string): string | undefined;
}

/** Kong's `%.01f`: `"1.1"` stays, `"2"` becomes `"2.0"`. */
export function formatHttpVersion(version: string): string {
  const number = Number(version);
  return Number.isFinite(number) ? number.toFixed(1) : version;
}

/**
 * Kong's signing string: one line per listed name, joined by `\n`. A present header gives `name: value` with the name
 * exactly as listed; otherwise `request-line` and `@request-target` are derived, and any other name gives `name:`.
 * A header actually sent under one of the derived names wins, as in Kong.
 */
export function kongSigningString(headerNames: readonly string[], request: KongSigningRequest): string {
  let signingString = "";
  for (let index = 0; index < headerNames.length; index++) {
    const name = headerNames[index]!;
    const value = name === "" ? undefined : request.header(name);
    if (value !== undefined) signingString += `${name}: ${value}`;
    else if (name === "@request-target") signingString += `@request-target: ${request.method.toLowerCase()} ${request.requestUri}`;
    else if (name === "request-line") {
      signingString += `${request.method} ${request.requestUri} HTTP/${formatHttpVersion(request.httpVersion)}`;
    } else signingString += `${name}:`;
    if (index < headerNames.length - 1) signingString += "\n";
  }
  return signingString;
}
