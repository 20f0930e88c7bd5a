import { describe, expect, it } from "vitest";
import { parseKongAuthorization } from "./kong-authorization.js";

/** Kong's own pattern, used here only as the oracle the linear scanner must agree with. */
const kongPattern = /\s*[Hh]mac\s*username="(.+)",\s*algorithm="(.+)",\s*headers="(.+)",\s*signature="(.+)"/;

function viaRegex(value: string) {
  const match = kongPattern.exec(value);
  if (match === null) return undefined;
  return { username: match[1], algorithm: match[2], headers: match[3]!.split(" "), signature: match[4] };
}

describe("parseKongAuthorization", () => {
  it("reads the four fields", () => {
    expect(
      parseKongAuthorization('hmac username="bob", algorithm="hmac-sha1", headers="date request-line", signature="abc="'),
    ).toEqual({ username: "bob", algorithm: "hmac-sha1", headers: ["date", "request-line"], signature: "abc=" });
  });

  it("accepts no spaces, extra spaces after commas, `Hmac`, and junk before the scheme (unanchored)", () => {
    expect(parseKongAuthorization('hmac username="bob",algorithm="a",headers="date",signature="s"')?.username).toBe("bob");
    expect(parseKongAuthorization('hmac username="bob",  algorithm="a",   headers="date", signature="s"')?.algorithm).toBe("a");
    expect(parseKongAuthorization('Hmac username="bob",algorithm="a",headers="date",signature="s"')?.signature).toBe("s");
    expect(parseKongAuthorization('"hmac username="bob",algorithm="a",headers="date",signature="s"')?.username).toBe("bob");
    expect(parseKongAuthorization('junk hmacusername="bob",algorithm="a",headers="date",signature="s"')?.username).toBe("bob");
    expect(parseKongAuthorization('hmac username="bob",algorithm="a",headers="date",signature="s" trailing')?.signature).toBe("s");
  });

  it("keeps empty items when headers has double spaces", () => {
    expect(parseKongAuthorization('hmac username="u",algorithm="a",headers="date  x",signature="s"')?.headers).toEqual([
      "date",
      "",
      "x",
    ]);
  });

  it("is greedy: a quote-comma inside a value moves the boundary to the last match, as PCRE does", () => {
    const value =
      'hmac username="a", algorithm="b", headers="c", signature="d", username="e", algorithm="f", headers="g", signature="h"';
    expect(parseKongAuthorization(value)).toEqual({
      username: 'a", algorithm="b", headers="c", signature="d", username="e',
      algorithm: "f",
      headers: ["g"],
      signature: "h",
    });
    expect(parseKongAuthorization(value)).toEqual(viaRegex(value));
  });

  it.each([
    "asd",
    "hmac username",
    "hmac :dXNlcm5hbWU6cGFzc3dvcmQ=",
    "hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ=",
    'hmac username="",algorithm="a",headers="date",signature="s"',
    'hmac username="bob",algorithm="a",headers="date",signature=""',
    'hmac algorithm="a",headers="date",signature="s"',
    'hmac username="bob",algorithm="a",wrong_header="date",signature="s"',
    'hmac username="bob",algorithm="a",headers="date",wrong_signature="s"',
    'hmac username="bob",algorithm="a" headers="date",signature="s"',
    'hmac username="bob",algorithm="a",headers="date" signature="s"',
    "this is no hmac token at all is it?",
    'hmac username="bob",algorithm="a",headers="date",signature="s\n"',
    "",
  ])("does not match %j", (value) => {
    expect(parseKongAuthorization(value)).toBeUndefined();
  });

  it("agrees with Kong's regular expression on fuzzed input", () => {
    const pieces = ['"', ",", " ", "\t", "hmac", "Hmac", "mac", "username=", "algorithm=", "headers=", "signature=", "x", "="];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const template = ['hmac username="', "u", '", algorithm="', "a", '",headers="', "h", '",  signature="', "s", '"'];
    for (let round = 0; round < 4000; round++) {
      const parts = [...template];
      const edits = Math.floor(random() * 6);
      for (let edit = 0; edit < edits; edit++) {
        const index = Math.floor(random() * (parts.length + 1));
        const piece = pieces[Math.floor(random() * pieces.length)]!;
        if (random() < 0.7) parts.splice(index, 0, piece);
        else parts.splice(index, 1);
      }
      if (random() < 0.3) parts.push(...template);
      const value = parts.join("");
      expect(parseKongAuthorization(value), value).toEqual(viaRegex(value));
    }
  });

  it("parses hostile input in linear time", () => {
    const hostile = `hmac username="${'",algorithm="",headers="'.repeat(20_000)}`;
    const startedAt = performance.now();
    expect(parseKongAuthorization(hostile)).toBeUndefined();
    expect(parseKongAuthorization(" ".repeat(100_000))).toBeUndefined();
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });
});
