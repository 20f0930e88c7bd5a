const METACHARACTERS = "^$.|?*+()[]{}";

/** Whether `|` appears outside every group and character class, where it would split the whole pattern. */
function hasTopLevelAlternation(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let index = 0; index < source.length; index++) {
    const character = source[index];
    if (character === "\\") {
      index++;
    } else if (inClass) {
      if (character === "]") inClass = false;
    } else if (character === "[") {
      inClass = true;
    } else if (character === "(") {
      depth++;
    } else if (character === ")") {
      depth--;
    } else if (character === "|" && depth === 0) {
      return true;
    }
  }
  return false;
}

/**
 * The literal text every match of a start-anchored regex begins with (`/users/\d+` → `/users/`), or "" when none
 * can be proven. The router indexes regex paths by it and checks it with `startsWith` before running the regex.
 * It errs towards shorter: it stops at the first metacharacter or escape class, and drops a character that a
 * quantifier makes optional.
 */
export function regexLiteralPrefix(source: string): string {
  if (hasTopLevelAlternation(source)) return "";
  let literal = "";
  let index = source.startsWith("^") ? 1 : 0;
  while (index < source.length) {
    let character = source[index]!;
    let width = 1;
    if (character === "\\") {
      const escaped = source[index + 1];
      // Letters and digits after a backslash are classes, assertions or back-references, not literals.
      if (escaped === undefined || /[A-Za-z0-9]/.test(escaped)) break;
      character = escaped;
      width = 2;
    } else if (METACHARACTERS.includes(character)) {
      break;
    }
    const following = source[index + width];
    if (following === "?" || following === "*" || following === "{") break;
    literal += character;
    if (following === "+") break;
    index += width;
  }
  return literal;
}
