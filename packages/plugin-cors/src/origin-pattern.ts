/**
 * One `origins` entry, classified as Kong classifies it: `*`, a plain origin (only `[A-Za-z0-9.:/-]`), or a regular
 * expression (anything else). Regexes are written in JavaScript syntax (Kong uses PCRE; the common subset is the same).
 */
export type OriginPattern =
  | { readonly kind: "wildcard" }
  | { readonly kind: "plain"; readonly value: string }
  | {
      readonly kind: "regex";
      /** The expression without Kong's optional leading `^` and trailing `$`, ready to be wrapped and anchored. */
      readonly source: string;
      /** Kong: an entry without `:` is matched against the request origin's host, not its full origin. */
      readonly byHost: boolean;
    };

const plainPattern = /^[A-Za-z0-9.:/-]+$/;

/** True when `entry` looks like a plain origin and is compared, not matched. */
export function isPlainOrigin(entry: string): boolean {
  return plainPattern.test(entry);
}

/**
 * Kong's `is_regex` check: `*` or any expression that compiles. The entry alone must compile, so a later
 * `(?:entry)` wrapper cannot be escaped by unbalanced parentheses such as `a)|(.*`.
 */
export function isValidOriginEntry(entry: string): boolean {
  if (entry === "*") return true;
  try {
    new RegExp(entry);
    return true;
  } catch {
    return false;
  }
}

function endsWithUnescapedDollar(source: string): boolean {
  if (!source.endsWith("$")) return false;
  let backslashes = 0;
  for (let index = source.length - 2; index >= 0 && source[index] === "\\"; index--) backslashes++;
  return backslashes % 2 === 0;
}

export function classifyOrigin(entry: string): OriginPattern {
  if (entry === "*") return { kind: "wildcard" };
  if (isPlainOrigin(entry)) return { kind: "plain", value: entry };
  let source = entry;
  if (source.startsWith("^")) source = source.slice(1);
  if (endsWithUnescapedDollar(source)) source = source.slice(0, -1);
  return { kind: "regex", source, byHost: !entry.includes(":") };
}

// Numbered backreferences would point at the wrong group once combined; named groups could collide.
const unsafeToCombine = /\\[1-9]|\\k<|\(\?<[^=!]/;

/**
 * Compiles regex sources into one predicate that is true only for a full match. Sources are combined into a single
 * alternation when none uses a backreference or a named group, else kept as a list.
 */
export function compileAnchored(sources: readonly string[]): ((subject: string) => boolean) | undefined {
  if (sources.length === 0) return undefined;
  if (!sources.some((source) => unsafeToCombine.test(source))) {
    const combined = new RegExp(`^(?:${sources.map((source) => `(?:${source})`).join("|")})$`);
    return (subject) => combined.test(subject);
  }
  const expressions = sources.map((source) => new RegExp(`^(?:${source})$`));
  return (subject) => {
    for (const expression of expressions) if (expression.test(subject)) return true;
    return false;
  };
}

/** The entries Kong's schema would refuse, with their (zero-based) index. */
export function findInvalidOrigins(origins: readonly string[] | null | undefined): { index: number; entry: string }[] {
  const invalid: { index: number; entry: string }[] = [];
  (origins ?? []).forEach((entry, index) => {
    if (!isValidOriginEntry(entry)) invalid.push({ index, entry });
  });
  return invalid;
}
