/**
 * Kong's `Authorization: hmac username="…", algorithm="…", headers="…", signature="…"` header.
 *
 * Kong matches it with the unanchored, greedy PCRE pattern
 * `\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"`: junk before `hmac` is
 * tolerated, and a `",` inside a value moves a field boundary to the last place where the rest still matches.
 * Run as a regular expression, that pattern backtracks polynomially: an 8 KiB hostile header costs ~400 ms of event
 * loop. This scanner computes the same captures in linear time: greedy matching picks, for each field, the last
 * separator after which the remaining fields still match, so the separators are resolved right to left.
 * The test suite checks it against the regular expression on fuzzed input.
 */

export interface KongSignatureFields {
  readonly username: string;
  readonly algorithm: string;
  /** Split on single spaces, keeping empty items, as Kong's `utils.split` does. */
  readonly headers: readonly string[];
  readonly signature: string;
}

const notFound = -1;

/** PCRE's `\s` without Unicode support: space, \t, \n, \v, \f, \r. */
function isAsciiWhitespace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function skipWhitespace(value: string, index: number): number {
  while (index < value.length && isAsciiWhitespace(value.charCodeAt(index))) index++;
  return index;
}

/**
 * The last `",\s*<keyword>` separator whose following field would be non-empty before `limit`.
 * Returns the separator's position and where the next field starts, or `notFound`.
 */
function lastSeparator(value: string, keyword: string, limit: number): { at: number; next: number } | undefined {
  let from = limit - 1;
  while (from >= 0) {
    const at = value.lastIndexOf('",', from);
    if (at === notFound) return undefined;
    const keywordAt = skipWhitespace(value, at + 2);
    if (value.startsWith(keyword, keywordAt)) {
      const next = keywordAt + keyword.length;
      // Separators further left have their next field start further left too, so the first fit is the greediest.
      if (next < limit) return { at, next };
    }
    from = at - 1;
  }
  return undefined;
}

/** Where the username field starts after the leftmost `[Hh]mac\s*username="`, or `notFound`. */
function firstUsernameStart(value: string): number {
  let from = 0;
  for (;;) {
    const at = value.indexOf('username="', from);
    if (at === notFound) return notFound;
    let schemeEnd = at;
    while (schemeEnd > 0 && isAsciiWhitespace(value.charCodeAt(schemeEnd - 1))) schemeEnd--;
    if (schemeEnd >= 4 && value.startsWith("mac", schemeEnd - 3)) {
      const initial = value.charCodeAt(schemeEnd - 4);
      if (initial === 72 || initial === 104) return at + 10;
    }
    from = at + 1;
  }
}

/** The four fields, or undefined when the value does not match Kong's pattern (Kong's empty `hmac_params`). */
export function parseKongAuthorization(value: string | undefined): KongSignatureFields | undefined {
  // PCRE's `.` stops at a line feed; a header value cannot carry one, so such a value is simply refused.
  if (value === undefined || value.includes("\n")) return undefined;
  const lastQuote = value.lastIndexOf('"');
  if (lastQuote === notFound) return undefined;
  const signature = lastSeparator(value, 'signature="', lastQuote);
  if (signature === undefined) return undefined;
  const headers = lastSeparator(value, 'headers="', signature.at);
  if (headers === undefined) return undefined;
  const algorithm = lastSeparator(value, 'algorithm="', headers.at);
  if (algorithm === undefined) return undefined;
  const usernameStart = firstUsernameStart(value);
  if (usernameStart === notFound || usernameStart >= algorithm.at) return undefined;
  return {
    username: value.slice(usernameStart, algorithm.at),
    algorithm: value.slice(algorithm.next, headers.at),
    headers: value.slice(headers.next, signature.at).split(" "),
    signature: value.slice(signature.next, lastQuote),
  };
}
