import { describe, expect, it } from "vitest";
import { regexLiteralPrefix } from "./regex-literal-prefix.js";

describe("regexLiteralPrefix", () => {
  it.each([
    ["/users/\\d+", "/users/"],
    ["/users/[0-9]+/profile", "/users/"],
    ["/v1/orders$", "/v1/orders"],
    ["^/anchored/x", "/anchored/x"],
    ["/a\\.b\\/c\\-d", "/a.b/c-d"],
    ["/files?", "/file"],
    ["/files*", "/file"],
    ["/files{2}", "/file"],
    ["/files+", "/files"],
    ["/ab(c|d)", "/ab"],
    ["/a(?<name>[a-z]+)", "/a"],
    ["/a|/b", ""],
    ["/a[|]b", "/a"],
    ["(/a|/b)/c", ""],
    ["\\d+/x", ""],
    ["/x\\w", "/x"],
    [".*", ""],
    ["", ""],
  ])("%s -> %j", (source, expected) => {
    expect(regexLiteralPrefix(source)).toBe(expected);
  });

  it("is a prefix of every text the anchored regex matches", () => {
    const samples = ["/users/1", "/users/12/profile", "/v1/orders", "/a.b/c-d", "/file", "/files", "/filesss", "/abc", "/abd", "/a", "/b", "/x1"];
    const sources = ["/users/\\d+", "/v1/orders$", "/a\\.b\\/c\\-d", "/files?", "/files*", "/files+", "/ab(c|d)", "/a|/b", "/x\\w"];
    let checked = 0;
    for (const source of sources) {
      const pattern = new RegExp(`^(?:${source})`);
      const literal = regexLiteralPrefix(source);
      for (const sample of samples) {
        const result = pattern.exec(sample);
        if (result === null) continue;
        checked++;
        expect(result[0].startsWith(literal), `${source} on ${sample}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
