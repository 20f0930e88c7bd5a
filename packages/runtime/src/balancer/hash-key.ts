import { randomUUID } from "node:crypto";
import type { HashOn, UpstreamEntity } from "../config/types.js";
import type { BalancerRequest } from "./balancer.js";

/** Where one hash input comes from (Kong's `hash_on` or `hash_fallback` with its name). */
export interface HashSource {
  readonly on: HashOn;
  /** The header (lower-cased), cookie, query argument or URI capture name. */
  readonly name: string | undefined;
  readonly cookiePath: string;
}

export function hashSources(upstream: UpstreamEntity): readonly HashSource[] {
  const sources: HashSource[] = [];
  const add = (on: HashOn, name: string | undefined) => {
    if (on !== "none") sources.push({ on, name: on === "header" ? name?.toLowerCase() : name, cookiePath: upstream.hashOnCookiePath });
  };
  const nameOf = (on: HashOn, fallback: boolean) =>
    on === "header"
      ? fallback
        ? upstream.hashFallbackHeader
        : upstream.hashOnHeader
      : on === "cookie"
        ? upstream.hashOnCookie
        : on === "query_arg"
          ? fallback
            ? upstream.hashFallbackQueryArg
            : upstream.hashOnQueryArg
          : on === "uri_capture"
            ? fallback
              ? upstream.hashFallbackUriCapture
              : upstream.hashOnUriCapture
            : undefined;
  add(upstream.hashOn, nameOf(upstream.hashOn, false));
  add(upstream.hashFallback, nameOf(upstream.hashFallback, true));
  return sources;
}

function cookieValue(header: string | readonly string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = typeof header === "string" ? header : header.join("; ");
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(";", start);
    if (end === -1) end = text.length;
    const equals = text.indexOf("=", start);
    if (equals !== -1 && equals < end && text.slice(start, equals).trim() === name) return text.slice(equals + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

function joined(value: string | true | readonly (string | true)[] | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === true) return "";
  if (typeof value === "string") return value;
  return value.map((item) => (item === true ? "" : item)).join(",");
}

/** The value of one hash source for a request, or undefined when the request does not carry it. */
export function hashValue(source: HashSource, request: BalancerRequest): string | undefined {
  switch (source.on) {
    case "consumer":
      // Kong hashes on the consumer, or on the credential when an anonymous-less auth set only that.
      return request.consumer?.id ?? request.credential?.id;
    case "ip":
      return request.clientRequest.clientIp || undefined;
    case "header":
      return joined(request.clientRequest.headers[source.name!]);
    case "cookie": {
      const existing = cookieValue(request.clientRequest.headers.cookie, source.name!);
      if (existing !== undefined && existing !== "") return existing;
      // Kong's behaviour: a client without the cookie gets one, so its next requests stick to the same target.
      const generated = randomUUID();
      request.pendingResponse?.addHeader("set-cookie", `${source.name}=${generated}; Path=${source.cookiePath}`);
      return generated;
    }
    case "path":
      return request.clientRequest.path;
    case "query_arg":
      return joined(request.clientRequest.query[source.name!]);
    case "uri_capture":
      return request.match?.captures?.[source.name!];
    default:
      return undefined;
  }
}

/** `hash_on`, then `hash_fallback`; undefined when neither is present (the balancer then round-robins). */
export function hashKey(sources: readonly HashSource[], request: BalancerRequest | undefined): string | undefined {
  if (request === undefined) return undefined;
  for (const source of sources) {
    const value = hashValue(source, request);
    if (value !== undefined) return value;
  }
  return undefined;
}
