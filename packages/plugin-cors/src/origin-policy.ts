import { normalizeOrigin } from "./normalize-origin.js";
import { classifyOrigin, compileAnchored } from "./origin-pattern.js";

/** What the CORS headers of one response say about its request's Origin. */
export interface OriginDecision {
  /** The `Access-Control-Allow-Origin` value, or null to remove any (including one the upstream sent). */
  readonly allowOrigin: string | null;
  /** Whether the answer depends on the Origin, so caches must key on it (`Vary: Origin`). */
  readonly vary: boolean;
  /** Whether to send `Access-Control-Allow-Credentials: true`. */
  readonly credentials: boolean;
}

export interface OriginPolicyOptions {
  readonly origins: readonly string[] | null | undefined;
  readonly credentials: boolean;
  /** Kong's behaviour for `*` with credentials: echo any Origin and allow credentials. Off by default. */
  readonly allowAnyOriginWithCredentials: boolean;
}

export interface OriginPolicy {
  /** True when every origin is allowed (`*` or no origins configured). */
  readonly allowsAnyOrigin: boolean;
  /** `requestOrigin` is undefined when the request has no (or an empty) Origin header. */
  resolve(requestOrigin: string | undefined): OriginDecision;
}

/** Distinct Origins seen in practice are few; the bound only stops a client that varies Origin from growing memory. */
const decisionCacheSize = 1000;

/**
 * Kong's `configure_origin` and `configure_credentials`, compiled once. Two deliberate differences, both from the
 * Fetch standard: credentials are never allowed for an Origin that was not allowed, and a `*` origin is not turned
 * into "echo any Origin with credentials" unless `allowAnyOriginWithCredentials` is set.
 */
export function compileOriginPolicy(options: OriginPolicyOptions): OriginPolicy {
  const entries = options.origins ?? [];
  const echoAnyOrigin = options.credentials && options.allowAnyOriginWithCredentials;
  const echo = (origin: string): OriginDecision => ({ allowOrigin: origin, vary: true, credentials: true });

  if (entries.length === 0 || (entries.length === 1 && entries[0] === "*")) {
    const wildcard: OriginDecision = { allowOrigin: "*", vary: false, credentials: false };
    return {
      allowsAnyOrigin: true,
      resolve: echoAnyOrigin ? (origin) => (origin === undefined ? wildcard : echo(origin)) : () => wildcard,
    };
  }

  const first = classifyOrigin(entries[0]!);
  if (entries.length === 1 && first.kind === "plain") {
    // Kong sends a single plain-looking entry verbatim whatever the Origin; the browser compares it to its own.
    const fixed: OriginDecision = { allowOrigin: first.value, vary: true, credentials: options.credentials };
    return { allowsAnyOrigin: false, resolve: () => fixed };
  }

  const rejected: OriginDecision = { allowOrigin: null, vary: true, credentials: false };
  if (entries.includes("*")) {
    // Kong stops at a `*` entry before comparing any other entry, so a list holding `*` allows everyone.
    const wildcard: OriginDecision = { allowOrigin: "*", vary: true, credentials: false };
    return {
      allowsAnyOrigin: true,
      resolve: (origin) => (origin === undefined ? rejected : echoAnyOrigin ? echo(origin) : wildcard),
    };
  }

  const plainDomains = new Set<string>();
  const hostSources: string[] = [];
  const domainSources: string[] = [];
  for (const entry of entries) {
    const pattern = classifyOrigin(entry);
    if (pattern.kind === "plain") plainDomains.add(normalizeOrigin(pattern.value).domain);
    else if (pattern.kind === "regex") (pattern.byHost ? hostSources : domainSources).push(pattern.source);
  }
  const matchesHost = compileAnchored(hostSources);
  const matchesDomain = compileAnchored(domainSources);
  const cache = new Map<string, OriginDecision>();

  return {
    allowsAnyOrigin: false,
    resolve(origin) {
      if (origin === undefined) return rejected;
      let decision = cache.get(origin);
      if (decision !== undefined) return decision;
      const normalized = normalizeOrigin(origin);
      const allowed =
        plainDomains.has(normalized.domain) ||
        matchesDomain?.(normalized.domain) === true ||
        matchesHost?.(normalized.host) === true;
      decision = allowed ? { allowOrigin: normalized.domain, vary: true, credentials: options.credentials } : rejected;
      if (cache.size >= decisionCacheSize) cache.clear();
      cache.set(origin, decision);
      return decision;
    },
  };
}
