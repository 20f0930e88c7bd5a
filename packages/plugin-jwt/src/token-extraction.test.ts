import type { ClientRequest } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { bearerToken, createTokenSources, findCookie, findToken } from "./token-extraction.js";

const sources = createTokenSources({ uri_param_names: ["jwt", "token"], cookie_names: ["Crumble"], header_names: ["Authorization", "X-Token"] });
const request = (query: ClientRequest["query"], headers: ClientRequest["headers"] = {}) => ({ query, headers }) as unknown as ClientRequest;

describe("findCookie", () => {
  it("finds a cookie case-insensitively across Cookie headers, first one wins", () => {
    expect(findCookie("a=1; crumble=tok; path=/", "crumble")).toBe("tok");
    expect(findCookie("CRUMBLE=x", "crumble")).toBe("x");
    expect(findCookie(["a=1", "crumble=second", "crumble=third"], "crumble")).toBe("second");
    expect(findCookie("crumbles=no; xcrumble=no", "crumble")).toBeUndefined();
    expect(findCookie("crumble", "crumble")).toBeUndefined();
    expect(findCookie(undefined, "crumble")).toBeUndefined();
    expect(findCookie("crumble=a=b", "crumble")).toBe("a=b");
  });
});

describe("findToken", () => {
  it("reads query parameters, cookies and headers", () => {
    expect(findToken(request({ token: "q" }), sources)).toEqual({ kind: "token", token: "q" });
    expect(findToken(request({}, { cookie: "crumble=c" }), sources)).toEqual({ kind: "token", token: "c" });
    expect(findToken(request({}, { "x-token": "Bearer h" }), sources)).toEqual({ kind: "token", token: "h" });
  });

  it("matches Kong's unanchored Bearer pattern and ignores other schemes", () => {
    expect(findToken(request({}, { authorization: "bearer  lower" }), sources)).toEqual({ kind: "token", token: "lower" });
    expect(findToken(request({}, { authorization: "Token Bearer inner" }), sources)).toEqual({ kind: "token", token: "inner" });
    expect(findToken(request({}, { authorization: "Basic abc" }), sources)).toEqual({ kind: "none" });
    expect(findToken(request({}, { authorization: "Bearer" }), sources)).toEqual({ kind: "none" });
  });

  it("uses only the first value of a repeated header", () => {
    expect(findToken(request({}, { authorization: ["Bearer one", "Bearer two"] }), sources)).toEqual({ kind: "token", token: "one" });
  });

  it("de-duplicates and reports several distinct tokens", () => {
    expect(findToken(request({ jwt: ["a", "a"] }, { authorization: "Bearer a" }), sources)).toEqual({ kind: "token", token: "a" });
    expect(findToken(request({ jwt: "a" }, { authorization: "Bearer b" }), sources)).toEqual({ kind: "multiple" });
    expect(findToken(request({ jwt: ["a", "b", "a"] }), sources)).toEqual({ kind: "multiple" });
  });

  it("ignores empty values and reports a bare flag as unrecognizable", () => {
    expect(findToken(request({ jwt: "", token: [""] }, { cookie: "crumble=" }), sources)).toEqual({ kind: "none" });
    expect(findToken(request({ jwt: true }), sources)).toEqual({ kind: "unrecognizable" });
    expect(findToken(request({ jwt: [true, "x"] }), sources)).toEqual({ kind: "multiple" });
  });

  it("never reads inherited query properties", () => {
    const onlyProto = createTokenSources({ uri_param_names: ["constructor"], cookie_names: [], header_names: [] });
    expect(findToken(request({}), onlyProto)).toEqual({ kind: "none" });
  });
});

describe("bearerToken", () => {
  const kongPattern = /\s*[Bb]earer\s+(.+)/;
  it("finds what Kong's pattern finds, fast path or not", () => {
    const pieces = ["Bearer", "bearer", "BEARER", " ", "  ", "\t", "\u00a0", "\u0085", "x", "abc.def.ghi", "Bearer ", "", "=", "\u00ff"];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const samples = ["Bearer abc", "Bearer  abc", "Bearer\tabc", "Bearer \u00a0abc", "bearer abc", "Bearer ", "Bearer", "xBearer abc", " Bearer abc", "Bearer Bearer abc"];
    for (let index = 0; index < 5000; index++) {
      let value = "";
      const length = 1 + Math.floor(random() * 5);
      for (let part = 0; part < length; part++) value += pieces[Math.floor(random() * pieces.length)];
      samples.push(value);
    }
    for (const value of samples) expect(bearerToken(value), JSON.stringify(value)).toBe(kongPattern.exec(value)?.[1]);
  });
});
