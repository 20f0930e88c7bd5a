/**
 * The part of RFC 8941 (Structured Field Values for HTTP) that RFC 9421 and RFC 9530 need: dictionaries whose members
 * are items or inner lists, with parameters; bare items of every RFC 8941 type. Parsing follows RFC 8941 §4.2 step by
 * step and is strict: any deviation makes the whole field invalid. Serialization (§4.1) rebuilds the canonical text
 * RFC 9421 signs as `@signature-params`.
 */

export type BareItem =
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "decimal"; readonly value: number }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "token"; readonly value: string }
  | { readonly type: "bytes"; readonly value: Buffer }
  | { readonly type: "boolean"; readonly value: boolean };

export type Parameters = ReadonlyMap<string, BareItem>;

export interface Item {
  readonly kind: "item";
  readonly value: BareItem;
  readonly parameters: Parameters;
}

export interface InnerList {
  readonly kind: "inner-list";
  readonly items: readonly Item[];
  readonly parameters: Parameters;
}

export type Dictionary = ReadonlyMap<string, Item | InnerList>;

class MalformedField extends Error {}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isLowerAlpha(code: number): boolean {
  return code >= 97 && code <= 122;
}
function isAlpha(code: number): boolean {
  return isLowerAlpha(code) || (code >= 65 && code <= 90);
}
/** RFC 9110 tchar, plus `:` and `/` which RFC 8941 allows after a token's first character. */
function isTokenCharacter(code: number): boolean {
  return isAlpha(code) || isDigit(code) || "!#$%&'*+-.^_`|~:/".includes(String.fromCharCode(code));
}
function isKeyCharacter(code: number): boolean {
  return isLowerAlpha(code) || isDigit(code) || code === 95 || code === 45 || code === 46 || code === 42;
}

class Parser {
  position = 0;
  constructor(readonly input: string) {}

  get done(): boolean {
    return this.position >= this.input.length;
  }
  peek(): number {
    return this.input.charCodeAt(this.position);
  }
  skipSpaces(): void {
    while (this.peek() === 32) this.position++;
  }
  skipOptionalWhitespace(): void {
    while (this.peek() === 32 || this.peek() === 9) this.position++;
  }

  dictionary(): Map<string, Item | InnerList> {
    const dictionary = new Map<string, Item | InnerList>();
    while (!this.done) {
      const key = this.key();
      let member: Item | InnerList;
      if (this.peek() === 61) {
        this.position++;
        member = this.peek() === 40 ? this.innerList() : this.item();
      } else {
        member = { kind: "item", value: { type: "boolean", value: true }, parameters: this.parameters() };
      }
      dictionary.set(key, member);
      this.skipOptionalWhitespace();
      if (this.done) return dictionary;
      if (this.peek() !== 44) throw new MalformedField("expected a comma");
      this.position++;
      this.skipOptionalWhitespace();
      if (this.done) throw new MalformedField("trailing comma");
    }
    return dictionary;
  }

  innerList(): InnerList {
    this.position++;
    const items: Item[] = [];
    while (!this.done) {
      this.skipSpaces();
      if (this.peek() === 41) {
        this.position++;
        return { kind: "inner-list", items, parameters: this.parameters() };
      }
      items.push(this.item());
      const next = this.peek();
      if (next !== 32 && next !== 41) throw new MalformedField("expected a space or `)`");
    }
    throw new MalformedField("unterminated inner list");
  }

  item(): Item {
    const value = this.bareItem();
    return { kind: "item", value, parameters: this.parameters() };
  }

  parameters(): Map<string, BareItem> {
    const parameters = new Map<string, BareItem>();
    while (this.peek() === 59) {
      this.position++;
      this.skipSpaces();
      const key = this.key();
      let value: BareItem = { type: "boolean", value: true };
      if (this.peek() === 61) {
        this.position++;
        value = this.bareItem();
      }
      parameters.set(key, value);
    }
    return parameters;
  }

  key(): string {
    const first = this.peek();
    if (!isLowerAlpha(first) && first !== 42) throw new MalformedField("bad key");
    const start = this.position;
    while (!this.done && isKeyCharacter(this.peek())) this.position++;
    return this.input.slice(start, this.position);
  }

  bareItem(): BareItem {
    const first = this.peek();
    if (first === 45 || isDigit(first)) return this.number();
    if (first === 34) return this.string();
    if (first === 58) return this.bytes();
    if (first === 63) return this.boolean();
    if (isAlpha(first) || first === 42) return this.token();
    throw new MalformedField("bad item");
  }

  number(): BareItem {
    const start = this.position;
    let decimal = false;
    if (this.peek() === 45) this.position++;
    if (!isDigit(this.peek())) throw new MalformedField("bad number");
    const digitsStart = this.position;
    while (!this.done) {
      const code = this.peek();
      if (isDigit(code)) this.position++;
      else if (code === 46 && !decimal) {
        if (this.position - digitsStart > 12) throw new MalformedField("decimal too long");
        decimal = true;
        this.position++;
      } else break;
      const length = this.position - digitsStart;
      if ((!decimal && length > 15) || (decimal && length > 16)) throw new MalformedField("number too long");
    }
    const text = this.input.slice(start, this.position);
    if (!decimal) return { type: "integer", value: Number(text) };
    const fraction = text.length - text.indexOf(".") - 1;
    if (fraction < 1 || fraction > 3) throw new MalformedField("bad decimal");
    return { type: "decimal", value: Number(text) };
  }

  string(): BareItem {
    this.position++;
    let value = "";
    while (!this.done) {
      const code = this.peek();
      this.position++;
      if (code === 92) {
        const escaped = this.peek();
        if (escaped !== 34 && escaped !== 92) throw new MalformedField("bad escape");
        value += String.fromCharCode(escaped);
        this.position++;
      } else if (code === 34) return { type: "string", value };
      else if (code < 32 || code > 126) throw new MalformedField("bad string character");
      else value += String.fromCharCode(code);
    }
    throw new MalformedField("unterminated string");
  }

  bytes(): BareItem {
    const end = this.input.indexOf(":", this.position + 1);
    if (end === -1) throw new MalformedField("unterminated byte sequence");
    const text = this.input.slice(this.position + 1, end);
    if (!base64Pattern.test(text) || text.length % 4 === 1) throw new MalformedField("bad base64");
    this.position = end + 1;
    return { type: "bytes", value: Buffer.from(text, "base64") };
  }

  boolean(): BareItem {
    const value = this.input.charCodeAt(this.position + 1);
    if (value !== 48 && value !== 49) throw new MalformedField("bad boolean");
    this.position += 2;
    return { type: "boolean", value: value === 49 };
  }

  token(): BareItem {
    const start = this.position;
    this.position++;
    while (!this.done && isTokenCharacter(this.peek())) this.position++;
    return { type: "token", value: this.input.slice(start, this.position) };
  }
}

/** Parses a Dictionary field value (several field lines joined with `, `). Undefined when it is malformed. */
export function parseDictionary(input: string): Dictionary | undefined {
  const parser = new Parser(input);
  try {
    parser.skipSpaces();
    const dictionary = parser.dictionary();
    parser.skipSpaces();
    return parser.done ? dictionary : undefined;
  } catch (error) {
    if (error instanceof MalformedField) return undefined;
    throw error;
  }
}

/** Joins a field's lines as RFC 8941 §4.2 asks before parsing. */
export function joinFieldLines(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

function serializeDecimal(value: number): string {
  const rounded = Math.round(value * 1000) / 1000;
  const text = rounded.toFixed(3).replace(/0+$/, "");
  return text.endsWith(".") ? `${text}0` : text;
}

export function serializeBareItem(item: BareItem): string {
  switch (item.type) {
    case "integer":
      return String(item.value);
    case "decimal":
      return serializeDecimal(item.value);
    case "string":
      return `"${item.value.replace(/[\\"]/g, (character) => `\\${character}`)}"`;
    case "token":
      return item.value;
    case "bytes":
      return `:${item.value.toString("base64")}:`;
    case "boolean":
      return item.value ? "?1" : "?0";
  }
}

export function serializeParameters(parameters: Parameters): string {
  let text = "";
  for (const [key, value] of parameters) {
    text += value.type === "boolean" && value.value ? `;${key}` : `;${key}=${serializeBareItem(value)}`;
  }
  return text;
}

export function serializeItem(item: Item): string {
  return serializeBareItem(item.value) + serializeParameters(item.parameters);
}

export function serializeInnerList(list: InnerList): string {
  return `(${list.items.map(serializeItem).join(" ")})${serializeParameters(list.parameters)}`;
}
