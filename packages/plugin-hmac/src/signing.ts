import { createHmac } from "node:crypto";
import { kongSigningString } from "./kong-signing-string.js";
import type { KongAlgorithm } from "./schema.js";
import { buildSignatureBase } from "./signature-base.js";
import type { BareItem, InnerList, Item } from "./structured-fields.js";

const hashNames: Readonly<Record<KongAlgorithm, string>> = {
  "hmac-sha1": "sha1",
  "hmac-sha256": "sha256",
  "hmac-sha384": "sha384",
  "hmac-sha512": "sha512",
};

function lowerCaseHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function keyBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
}

export interface SignKongRequestOptions {
  readonly username: string;
  /** A string is used as its UTF-8 bytes, as Kong does. */
  readonly secret: string | Uint8Array;
  readonly algorithm?: KongAlgorithm;
  readonly method?: string;
  /** The raw path plus query exactly as it will be sent, e.g. `/orders?page=2`. */
  readonly path?: string;
  /** The headers that will be sent. Values are HTTP octets (latin1 strings). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The names to sign, in order; may include `request-line` and `@request-target`. Default `["date"]`. */
  readonly headerNames?: readonly string[];
  readonly httpVersion?: string;
  /** The clock used for a generated Date header. */
  readonly now?: Date;
}

export interface SignedKongRequest {
  /** The `Authorization` (or `Proxy-Authorization`) value. */
  readonly authorization: string;
  /** The `Date` value that was signed, when none was supplied: send it too. */
  readonly date: string | undefined;
}

/** Signs a request in Kong's hmac-auth format. Add `authorization` (and `date` if returned) to the request. */
export function signKongRequest(options: SignKongRequestOptions): SignedKongRequest {
  const headers = lowerCaseHeaders(options.headers ?? {});
  let date: string | undefined;
  if (!headers.has("date") && !headers.has("x-date")) {
    date = (options.now ?? new Date()).toUTCString();
    headers.set("date", date);
  }
  const algorithm = options.algorithm ?? "hmac-sha256";
  const headerNames = options.headerNames ?? ["date"];
  const signingString = kongSigningString(headerNames, {
    method: (options.method ?? "GET").toUpperCase(),
    requestUri: options.path ?? "/",
    httpVersion: options.httpVersion ?? "1.1",
    header: (name) => headers.get(name.toLowerCase()),
  });
  const signature = createHmac(hashNames[algorithm], keyBytes(options.secret)).update(signingString, "latin1").digest("base64");
  return {
    authorization: `hmac username="${options.username}", algorithm="${algorithm}", headers="${headerNames.join(" ")}", signature="${signature}"`,
    date,
  };
}

export interface SignRfc9421RequestOptions {
  /** The credential username, sent as `keyid`. */
  readonly keyId: string;
  /** A string is used as its UTF-8 bytes; pass a Buffer for a binary (e.g. base64-decoded) key. */
  readonly secret: string | Uint8Array;
  readonly method?: string;
  /** The absolute URL the request goes to. */
  readonly url: string | URL;
  /** The headers that will be sent. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Covered components in order. Default `["@method", "@authority", "@path"]`. */
  readonly components?: readonly string[];
  /** Epoch seconds; default now. */
  readonly created?: number;
  readonly expires?: number;
  readonly nonce?: string;
  /** Default `sig1`. */
  readonly label?: string;
  /** Adds `alg="hmac-sha256"` to the parameters. Default false, as in RFC 9421's own HMAC example. */
  readonly includeAlgorithm?: boolean;
  readonly tag?: string;
}

export interface SignedRfc9421Request {
  readonly "signature-input": string;
  readonly signature: string;
}

function stringItem(value: string): Item {
  return { kind: "item", value: { type: "string", value }, parameters: new Map() };
}

/** Signs a request with RFC 9421 `hmac-sha256`. Add both returned headers to the request. */
export function signRfc9421Request(options: SignRfc9421RequestOptions): SignedRfc9421Request {
  const url = typeof options.url === "string" ? new URL(options.url) : options.url;
  const headers = lowerCaseHeaders(options.headers ?? {});
  const parameters = new Map<string, BareItem>();
  parameters.set("created", { type: "integer", value: options.created ?? Math.floor(Date.now() / 1000) });
  if (options.expires !== undefined) parameters.set("expires", { type: "integer", value: options.expires });
  if (options.nonce !== undefined) parameters.set("nonce", { type: "string", value: options.nonce });
  if (options.includeAlgorithm === true) parameters.set("alg", { type: "string", value: "hmac-sha256" });
  parameters.set("keyid", { type: "string", value: options.keyId });
  if (options.tag !== undefined) parameters.set("tag", { type: "string", value: options.tag });
  const signatureParams: InnerList = {
    kind: "inner-list",
    items: (options.components ?? ["@method", "@authority", "@path"]).map(stringItem),
    parameters,
  };
  const base = buildSignatureBase(
    {
      method: (options.method ?? "GET").toUpperCase(),
      scheme: url.protocol.slice(0, -1),
      authority: url.host,
      path: url.pathname,
      query: url.search.slice(1),
      field: (name) => headers.get(name),
    },
    signatureParams,
  );
  if (base === undefined) {
    throw new TypeError("cannot sign: a covered component is unknown, repeated, has parameters, or its header is missing");
  }
  const label = options.label ?? "sig1";
  const signature = createHmac("sha256", keyBytes(options.secret)).update(base, "latin1").digest("base64");
  const serializedParams = base.slice(base.lastIndexOf('"@signature-params": ') + '"@signature-params": '.length);
  return { "signature-input": `${label}=${serializedParams}`, signature: `${label}=:${signature}:` };
}
