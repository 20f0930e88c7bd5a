import { type InnerList, serializeInnerList, serializeItem } from "./structured-fields.js";

/** What an RFC 9421 signature base reads from a request. */
export interface SignedMessage {
  /** The method as sent (RFC 9421 keeps its case; methods are upper-case in practice). */
  readonly method: string;
  /** `http` or `https`. */
  readonly scheme: string;
  /** Host and port, lower-cased, without the scheme's default port. */
  readonly authority: string;
  /** The raw path, still percent-encoded. */
  readonly path: string;
  /** The raw query without `?`, empty when there is none. */
  readonly query: string;
  /** A header field by lower-case name: one value, or one per field line. */
  field(name: string): string | readonly string[] | undefined;
}

/** Lower-cases `host` and drops the scheme's default port, as RFC 9421 §2.2.3 asks for `@authority`. */
export function normalizeAuthority(host: string, scheme: string): string {
  const lower = host.toLowerCase();
  if (scheme === "http" && lower.endsWith(":80")) return lower.slice(0, -3);
  if (scheme === "https" && lower.endsWith(":443")) return lower.slice(0, -4);
  return lower;
}

/** A field's canonical value (RFC 9421 §2.1): each line trimmed, lines joined by `, `. */
function fieldValue(value: string | readonly string[]): string {
  return typeof value === "string" ? value.trim() : value.map((line) => line.trim()).join(", ");
}

function derivedValue(name: string, message: SignedMessage): string | undefined {
  switch (name) {
    case "@method":
      return message.method;
    case "@scheme":
      return message.scheme.toLowerCase();
    case "@authority":
      return message.authority;
    case "@path":
      return message.path === "" ? "/" : message.path;
    case "@query":
      return `?${message.query}`;
    case "@request-target":
      return message.query === "" ? message.path : `${message.path}?${message.query}`;
    case "@target-uri":
      return `${message.scheme.toLowerCase()}://${message.authority}${message.path === "" ? "/" : message.path}${message.query === "" ? "" : `?${message.query}`}`;
    default:
      return undefined;
  }
}

/** Characters a signature base line may not contain: they would forge extra lines. */
const lineBreak = /[\r\n]/;
const upperCase = /[A-Z]/;

/**
 * The signature base of RFC 9421 §2.5 for the covered components in `signatureParams`, or undefined when it cannot
 * be built: a component that is not a plain string, carries parameters (`sf`, `key`, `bs`, `req`, `tr` are not
 * supported), is unknown, repeated, upper-case, absent from the request, or `@signature-params` itself.
 */
export function buildSignatureBase(message: SignedMessage, signatureParams: InnerList): string | undefined {
  let base = "";
  const seen = new Set<string>();
  for (const component of signatureParams.items) {
    if (component.value.type !== "string" || component.parameters.size > 0) return undefined;
    const name = component.value.value;
    if (seen.has(name) || name === "@signature-params" || upperCase.test(name)) return undefined;
    seen.add(name);
    let value: string | undefined;
    if (name.startsWith("@")) value = derivedValue(name, message);
    else {
      const raw = message.field(name);
      value = raw === undefined ? undefined : fieldValue(raw);
    }
    if (value === undefined || lineBreak.test(value)) return undefined;
    base += `${serializeItem(component)}: ${value}\n`;
  }
  return `${base}"@signature-params": ${serializeInnerList(signatureParams)}`;
}
