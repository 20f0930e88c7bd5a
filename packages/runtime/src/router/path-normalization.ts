/**
 * Request path normalisation. The router matches, and the upstream receives, the normalised path, so a route's
 * plugins guard every spelling of the paths it owns: `/public/%2e%2e/admin`, `//admin` and `/admin/./x` all become
 * the `/admin…` path that the admin route matches.
 *
 * The input is the path part of the request-target (the query already split off), as Node's HTTP parser hands it
 * over: one character per byte. Characters above U+00FF (only possible when a caller decoded the bytes itself) are
 * taken as Unicode and encoded as UTF-8.
 *
 * Rules, in order:
 * - the path must start with `/`; `*` (OPTIONS) and absolute-form targets are the caller's business and are refused;
 * - `%XX` escapes of unreserved characters (ALPHA DIGIT `-` `.` `_` `~`) are decoded, every other escape is kept
 *   with upper-case hex, so `%2F` never becomes a delimiter and `%252e` stays an escaped `%`: one decoding pass only;
 * - `%00`, truncated or non-hex escapes, raw control characters (U+0000–U+001F, U+007F) and raw backslashes are
 *   refused. A backslash is refused rather than kept because WHATWG URL parsers (Node's `new URL`, browsers) read
 *   `\` as `/`, so `/public\..\admin` could be resolved to `/admin` by an upstream after it matched `/public`;
 * - other characters that may not appear raw in a path (space, `"`, `#`, `<`, `>`, `?`, `[`, `]`, `^`, `` ` ``,
 *   `{`, `|`, `}` and bytes above 0x7F) are percent-encoded, so every spelling of a path has one form;
 * - repeated slashes are merged, then `.` and `..` segments (including those spelled `%2e`) are resolved as in
 *   RFC 3986 section 5.2.4; `..` above the root is dropped. Case is significant and never folded.
 */

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const BACKSLASH = 0x5c;

/** Characters allowed raw in a normalised path: unreserved, sub-delims, `:`, `@` and `/`. */
const RAW_ALLOWED = new Uint8Array(128);
/** RFC 3986 unreserved characters: their escapes are decoded. */
const UNRESERVED = new Uint8Array(128);
/** Hex digit values, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
const HEX_DIGITS = "0123456789ABCDEF";

for (let code = 0; code < 128; code++) {
  const character = String.fromCharCode(code);
  if (/[A-Za-z0-9\-._~]/.test(character)) {
    UNRESERVED[code] = 1;
    RAW_ALLOWED[code] = 1;
  } else if ("!$&'()*+,;=:@/".includes(character)) {
    RAW_ALLOWED[code] = 1;
  }
  if (/[0-9]/.test(character)) HEX_VALUE[code] = code - 0x30;
  else if (/[A-F]/.test(character)) HEX_VALUE[code] = code - 0x41 + 10;
  else if (/[a-f]/.test(character)) HEX_VALUE[code] = code - 0x61 + 10;
}

function percentEncodeByte(byte: number): string {
  return `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 0x0f]}`;
}

/**
 * Returns the normalised path, or undefined when the path is invalid (the request gets a 400).
 * A path that is already normalised is returned as is, after a single scan and without allocating.
 */
export function normalizePath(rawPath: string): string | undefined {
  const length = rawPath.length;
  if (length === 0 || rawPath.charCodeAt(0) !== SLASH) return undefined;
  for (let index = 0; index < length; index++) {
    const code = rawPath.charCodeAt(index);
    if (code >= 128 || RAW_ALLOWED[code] === 0) return normalizeSlowly(rawPath);
    if (code !== SLASH || index + 1 === length) continue;
    const next = rawPath.charCodeAt(index + 1);
    if (next === SLASH) return normalizeSlowly(rawPath);
    if (next !== DOT) continue;
    // A segment that starts with a dot: only `.` and `..` whole segments need work.
    if (index + 2 === length) return normalizeSlowly(rawPath);
    const afterDot = rawPath.charCodeAt(index + 2);
    if (afterDot === SLASH) return normalizeSlowly(rawPath);
    if (afterDot === DOT && (index + 3 === length || rawPath.charCodeAt(index + 3) === SLASH)) {
      return normalizeSlowly(rawPath);
    }
  }
  return rawPath;
}

function normalizeSlowly(rawPath: string): string | undefined {
  const decoded = canonicalizeCharacters(rawPath);
  if (decoded === undefined) return undefined;
  return removeDotSegments(decoded);
}

/** Decodes unreserved escapes, upper-cases the others, encodes what may not appear raw, refuses the rest. */
function canonicalizeCharacters(rawPath: string): string | undefined {
  const length = rawPath.length;
  let output = "";
  let runStart = 0;
  for (let index = 0; index < length; index++) {
    const code = rawPath.charCodeAt(index);
    if (code < 128 && RAW_ALLOWED[code] === 1) continue;
    output += rawPath.slice(runStart, index);
    if (code === PERCENT) {
      if (index + 2 >= length) return undefined;
      const high = rawPath.charCodeAt(index + 1);
      const low = rawPath.charCodeAt(index + 2);
      const highValue = high < 128 ? HEX_VALUE[high]! : -1;
      const lowValue = low < 128 ? HEX_VALUE[low]! : -1;
      if (highValue < 0 || lowValue < 0) return undefined;
      const byte = highValue * 16 + lowValue;
      if (byte === 0) return undefined;
      output += byte < 128 && UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : percentEncodeByte(byte);
      index += 2;
    } else if (code < 0x20 || code === 0x7f || code === BACKSLASH) {
      return undefined;
    } else if (code <= 0xff) {
      output += percentEncodeByte(code);
    } else {
      const encoded = encodeUnicode(rawPath, index);
      if (encoded === undefined) return undefined;
      output += encoded;
      // A surrogate pair is two UTF-16 units.
      if (code >= 0xd800 && code <= 0xdbff) index++;
    }
    runStart = index + 1;
  }
  return output + rawPath.slice(runStart);
}

/** UTF-8 percent-encoding of the code point at `index` (above U+00FF); undefined for a lone surrogate. */
function encodeUnicode(text: string, index: number): string | undefined {
  const codePoint = text.codePointAt(index)!;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return undefined;
  let encoded = "";
  for (const byte of Buffer.from(String.fromCodePoint(codePoint), "utf8")) encoded += percentEncodeByte(byte);
  return encoded;
}

/** Merges repeated slashes, then resolves `.` and `..` segments; `path` starts with `/`. */
function removeDotSegments(path: string): string {
  const parts = path.split("/");
  const output: string[] = [];
  const lastIndex = parts.length - 1;
  let trailingSlash = false;
  for (let index = 1; index <= lastIndex; index++) {
    const segment = parts[index]!;
    const isLast = index === lastIndex;
    if (segment === "" || segment === ".") {
      if (isLast) trailingSlash = true;
    } else if (segment === "..") {
      output.pop();
      if (isLast) trailingSlash = true;
    } else {
      output.push(segment);
    }
  }
  if (output.length === 0) return "/";
  const joined = `/${output.join("/")}`;
  return trailingSlash ? `${joined}/` : joined;
}
