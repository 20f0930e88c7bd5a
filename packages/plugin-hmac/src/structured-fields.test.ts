import { describe, expect, it } from "vitest";
import {
  type InnerList,
  type Item,
  joinFieldLines,
  parseDictionary,
  serializeBareItem,
  serializeInnerList,
} from "./structured-fields.js";

describe("parseDictionary", () => {
  it("reads an RFC 9421 Signature-Input member: an inner list of strings with parameters", () => {
    const dictionary = parseDictionary(
      'sig-b25=("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
    const member = dictionary!.get("sig-b25") as InnerList;
    expect(member.kind).toBe("inner-list");
    expect(member.items.map((item) => item.value)).toEqual([
      { type: "string", value: "date" },
      { type: "string", value: "@authority" },
      { type: "string", value: "content-type" },
    ]);
    expect(member.parameters.get("created")).toEqual({ type: "integer", value: 1618884473 });
    expect(member.parameters.get("keyid")).toEqual({ type: "string", value: "test-shared-secret" });
    expect(serializeInnerList(member)).toBe(
      '("date" "@authority" "content-type");created=1618884473;keyid="test-shared-secret"',
    );
  });

  it("reads byte sequences, tokens, decimals, booleans and bare keys", () => {
    const dictionary = parseDictionary("a=:cHJldGVuZCB0aGlzIGlzIGJpbmFyeQ==:, b=token/x:y, c=-1.5, d=?0, e, f;p=?1;q=2");
    expect((dictionary!.get("a") as Item).value).toEqual({ type: "bytes", value: Buffer.from("pretend this is binary") });
    expect((dictionary!.get("b") as Item).value).toEqual({ type: "token", value: "token/x:y" });
    expect((dictionary!.get("c") as Item).value).toEqual({ type: "decimal", value: -1.5 });
    expect((dictionary!.get("d") as Item).value).toEqual({ type: "boolean", value: false });
    expect((dictionary!.get("e") as Item).value).toEqual({ type: "boolean", value: true });
    expect((dictionary!.get("f") as Item).parameters.get("q")).toEqual({ type: "integer", value: 2 });
  });

  it("tolerates spaces and tabs between members, spaces inside inner lists, and an empty field", () => {
    expect(parseDictionary("  a=1 ,\tb=( 1  2 )  ")?.size).toBe(2);
    expect(parseDictionary("")?.size).toBe(0);
  });

  it("keeps the first position and the last value of a repeated key", () => {
    const dictionary = parseDictionary("a=1, b=2, a=3");
    expect([...(dictionary?.keys() ?? [])]).toEqual(["a", "b"]);
    expect((dictionary!.get("a") as Item).value.value).toBe(3);
  });

  it("unescapes strings", () => {
    expect((parseDictionary('a="x\\"y\\\\z"')!.get("a") as Item).value.value).toBe('x"y\\z');
  });

  it.each([
    "A=1",
    "a=1,",
    "a=1 b=2",
    "a=(1 2",
    "a=(1,2)",
    'a="unterminated',
    'a="bad \\n escape"',
    'a="tab\there"',
    "a=:not base64!:",
    "a=:abc",
    "a=?2",
    "a=1.",
    "a=1.2345",
    "a=1234567890123.1",
    "a=1234567890123456",
    "a=-",
    "a=@date",
    "a=1;B=2",
    "a=1 trailing",
    ",",
    "a=é",
  ])("refuses %j", (value) => {
    expect(parseDictionary(value)).toBeUndefined();
  });
});

describe("serialization", () => {
  it("serializes every bare item type canonically", () => {
    expect(serializeBareItem({ type: "integer", value: -42 })).toBe("-42");
    expect(serializeBareItem({ type: "decimal", value: 2 })).toBe("2.0");
    expect(serializeBareItem({ type: "decimal", value: 1.25 })).toBe("1.25");
    expect(serializeBareItem({ type: "string", value: 'a"b\\' })).toBe('"a\\"b\\\\"');
    expect(serializeBareItem({ type: "token", value: "abc" })).toBe("abc");
    expect(serializeBareItem({ type: "bytes", value: Buffer.from("hi") })).toBe(":aGk=:");
    expect(serializeBareItem({ type: "boolean", value: false })).toBe("?0");
  });

  it("normalises whitespace and writes true parameters bare", () => {
    const member = parseDictionary('s=( "a"   "b";x=?1 );nonce="n"')?.get("s") as InnerList;
    expect(serializeInnerList(member)).toBe('("a" "b";x);nonce="n"');
  });
});

describe("joinFieldLines", () => {
  it("joins repeated field lines with a comma", () => {
    expect(joinFieldLines(["a=1", "b=2"])).toBe("a=1, b=2");
    expect(joinFieldLines("a=1")).toBe("a=1");
    expect(joinFieldLines(undefined)).toBeUndefined();
  });
});
