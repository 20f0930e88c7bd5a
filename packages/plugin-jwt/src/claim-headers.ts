import type { UpstreamRequest } from "@portcullis/sdk";
import { type JsonObject, ownValue } from "./token-decoding.js";

/** `claims_to_headers`, resolved at load: header names lower-cased. */
export type ClaimHeaderMapping = readonly (readonly [claim: string, header: string])[];

// Values Node refuses in a header (control characters other than tab) would turn a token into a 500.
const unsafeHeaderValue = /[^\t\x20-\x7e\x80-\xff]/;

export function createClaimHeaderMapping(claimsToHeaders: Readonly<Record<string, string>>): ClaimHeaderMapping {
  return Object.entries(claimsToHeaders).map(([claim, header]) => [claim, header.toLowerCase()] as const);
}

/**
 * The header value for a claim: strings as is, numbers and booleans as text, arrays of scalars comma-joined,
 * objects as compact JSON. Undefined when absent or not representable in a header.
 */
export function claimHeaderValue(value: unknown): string | undefined {
  let text: string;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else if (Array.isArray(value) && value.every((item) => typeof item === "string" || typeof item === "number")) {
    text = value.join(", ");
  } else text = JSON.stringify(value);
  return text === "" || unsafeHeaderValue.test(text) ? undefined : text;
}

/** Sets each mapped header from the verified claims, or removes it, so a client copy never reaches upstream. */
export function applyClaimHeaders(upstream: UpstreamRequest, mapping: ClaimHeaderMapping, claims: JsonObject | undefined): void {
  for (const [claim, header] of mapping) {
    const value = claims === undefined ? undefined : claimHeaderValue(ownValue(claims, claim));
    if (value === undefined) upstream.removeHeader(header);
    else upstream.setHeader(header, value);
  }
}
