/**
 * Kong's cross-field rules for an upstream (upstreams.lua entity_checks) and its algorithm quirks: a `hash_on` other
 * than `none` selects consistent-hashing, `none` turns consistent-hashing back into round-robin, and
 * least-connections or latency clear the hash settings.
 */
import { isIP } from "node:net";
import type { HashOn, UpstreamEntity } from "./types.js";
import { childPath } from "./json-path.js";
import type { Report } from "./report.js";
import { HASH_ON_VALUES } from "./schema.js";
import { checkPath, isHostname, isToken } from "./validators.js";

const NAMED_INPUTS: readonly { value: HashOn; on: string; fallback: string }[] = [
  { value: "header", on: "hash_on_header", fallback: "hash_fallback_header" },
  { value: "query_arg", on: "hash_on_query_arg", fallback: "hash_fallback_query_arg" },
  { value: "uri_capture", on: "hash_on_uri_capture", fallback: "hash_fallback_uri_capture" },
];

function isHashOn(value: unknown): value is HashOn {
  return typeof value === "string" && (HASH_ON_VALUES as readonly string[]).includes(value);
}

export function checkUpstreamName(name: string): string | undefined {
  if (isIP(name) !== 0 || (name.startsWith("[") && isIP(name.slice(1, -1)) === 6)) {
    return `Invalid name ('${name}'); no ip addresses allowed`;
  }
  if (/:\d*$/.test(name)) return `Invalid name ('${name}'); no port allowed`;
  return isHostname(name) ? undefined : `Invalid name ('${name}'); must be a valid hostname`;
}

export function checkUpstream(upstream: Readonly<Record<string, unknown>>, source: string, report: Report): void {
  const at = (field: string) => childPath(source, field);
  if (typeof upstream.name === "string") {
    const problem = checkUpstreamName(upstream.name);
    if (problem !== undefined) report(at("name"), problem);
  }
  const hashOn = isHashOn(upstream.hash_on) ? upstream.hash_on : "none";
  const fallback = isHashOn(upstream.hash_fallback) ? upstream.hash_fallback : "none";

  for (const input of NAMED_INPUTS) {
    if (hashOn === input.value && upstream[input.on] === undefined) report(at(input.on), "required field missing");
    if (fallback === input.value && upstream[input.fallback] === undefined) report(at(input.fallback), "required field missing");
    const first = upstream[input.on];
    const second = upstream[input.fallback];
    if (typeof first === "string" && typeof second === "string" && first.toLowerCase() === second.toLowerCase()) {
      report(source, `values of these fields must be distinct: '${input.on}', '${input.fallback}'`);
    }
  }
  if ((hashOn === "cookie" || fallback === "cookie") && upstream.hash_on_cookie === undefined) {
    report(at("hash_on_cookie"), "required field missing");
  }

  if ((hashOn === "none" || hashOn === "cookie") && fallback !== "none") {
    report(at("hash_fallback"), "expected one of: none");
  } else if (hashOn !== "none" && fallback === hashOn && !NAMED_INPUTS.some((input) => input.value === hashOn)) {
    report(at("hash_fallback"), `expected one of: ${HASH_ON_VALUES.filter((value) => value !== hashOn).join(", ")}`);
  }

  for (const field of ["hash_on_header", "hash_fallback_header"]) {
    const value = upstream[field];
    if (typeof value === "string" && !isToken(value)) report(at(field), `bad header name '${value}', allowed characters are A-Z, a-z, 0-9, '_', and '-'`);
  }
  if (typeof upstream.hash_on_cookie === "string" && !isToken(upstream.hash_on_cookie)) {
    report(at("hash_on_cookie"), `invalid cookie name: '${upstream.hash_on_cookie}'`);
  }
  if (typeof upstream.hash_on_cookie_path === "string") {
    const problem = checkPath(upstream.hash_on_cookie_path);
    if (problem !== undefined) report(at("hash_on_cookie_path"), problem);
  }
  const healthchecks = upstream.healthchecks as { active?: { http_path?: unknown } } | undefined;
  if (typeof healthchecks?.active?.http_path === "string") {
    const problem = checkPath(healthchecks.active.http_path);
    if (problem !== undefined) report(`${at("healthchecks")}.active.http_path`, problem);
  }
}

/** Applies Kong's algorithm/hash_on coupling to schema-checked values. */
export function balancingSettings(upstream: Readonly<Record<string, unknown>>): Pick<
  UpstreamEntity,
  "algorithm" | "hashOn" | "hashFallback"
> {
  let algorithm = upstream.algorithm as UpstreamEntity["algorithm"];
  let hashOn = upstream.hash_on as HashOn;
  let hashFallback = upstream.hash_fallback as HashOn;
  if (algorithm === "least-connections" || algorithm === "latency") {
    hashOn = "none";
    hashFallback = "none";
  } else if (hashOn !== "none") {
    algorithm = "consistent-hashing";
  } else if (algorithm === "consistent-hashing") {
    algorithm = "round-robin";
  }
  return { algorithm, hashOn, hashFallback };
}
