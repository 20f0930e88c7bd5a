import type { ConfigIssue } from "@portcullis/sdk";
import { consumerHeaderNames } from "@portcullis/sdk";

const maximumExpirationLimit = 31_536_000;
const headerNamePattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const reservedHeaders: ReadonlySet<string> = new Set(consumerHeaderNames);

/** True for an absolute http or https URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * Kong's entity checks for the jwt config, plus the checks of the Portcullis additions that JSON Schema cannot
 * express. Messages for Kong's fields are Kong's own.
 */
export function checkJwtConfig(config: {
  readonly maximum_expiration: number;
  readonly claims_to_verify?: readonly string[] | null;
  readonly jwks_uri?: string | null;
  readonly claims_to_headers: Readonly<Record<string, string>>;
}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.maximum_expiration < 0 || config.maximum_expiration > maximumExpirationLimit) {
    issues.push({ path: "maximum_expiration", message: `value should be between 0 and ${maximumExpirationLimit}` });
  } else if (config.maximum_expiration > 0 && !(config.claims_to_verify ?? []).includes("exp")) {
    issues.push({ path: "claims_to_verify", message: "expected to contain: exp" });
  }
  if (config.jwks_uri != null && !isHttpUrl(config.jwks_uri)) {
    issues.push({ path: "jwks_uri", message: "must be an http or https URL" });
  }
  for (const [claim, header] of Object.entries(config.claims_to_headers)) {
    if (!headerNamePattern.test(header)) {
      issues.push({ path: `claims_to_headers.${claim}`, message: "must be a valid header name" });
    } else if (reservedHeaders.has(header.toLowerCase())) {
      issues.push({ path: `claims_to_headers.${claim}`, message: "must not be a consumer identity header" });
    }
  }
  return issues;
}
