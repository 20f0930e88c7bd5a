import { GatewayError } from "@portcullis/sdk";
import type { RouteEntity } from "../config/types.js";
import { runtimeErrors } from "../errors.js";
import { normalizeHost } from "./host-normalization.js";
import { MatchCache } from "./match-cache.js";
import { normalizePath } from "./path-normalization.js";
import { regexLiteralPrefix } from "./regex-literal-prefix.js";

export type RequestProtocol = "http" | "https" | "grpc" | "grpcs";

export interface RouteRequest {
  readonly method: string;
  /** Lower-case, without the port (see `normalizeHost`); a port or upper case here is removed defensively. */
  readonly host: string;
  /** Already normalised by `normalizePath`. */
  readonly path: string;
  /** A header's value by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  readonly protocol: RequestProtocol;
  /**
   * The local port the request arrived on. Only route hosts written with a port (`example.com:8443`) look at it,
   * as Kong matches them against the destination port; such a host never matches when this is absent.
   */
  readonly port?: number | undefined;
}

export interface RouteMatch {
  readonly route: RouteEntity;
  /**
   * The part of the path the route's path matched, which strip_path removes: the prefix, or the text a regex path
   * matched. For a route without paths it is `/`, so that stripping removes only the leading slash, as in Kong.
   */
  readonly matchedPrefix: string;
  /** A regex path's named capture groups that took part in the match; undefined when the regex has none. */
  readonly captures: Readonly<Record<string, string>> | undefined;
}

export interface Router {
  match(request: RouteRequest): RouteMatch | undefined;
}

export interface RouterOptions {
  /** The most match results kept for requests whose route does not depend on headers; 0 disables it. */
  readonly cacheSize?: number;
}

const DEFAULT_CACHE_SIZE = 4096;
/** Kong caps the header count that enters a route's priority. */
const MAX_HEADER_COUNT = 255;

type HostMatcher =
  | { readonly kind: "exact"; readonly value: string; readonly port: number | undefined }
  | { readonly kind: "suffix" | "prefix"; readonly value: string; readonly port: number | undefined };

interface HeaderMatcher {
  readonly name: string;
  /** Lower-cased. */
  readonly values: readonly string[];
  /** From `~*regex` values: case-insensitive, unanchored, as in Kong. */
  readonly patterns: readonly RegExp[];
}

/** One (route, path) pair: a route with several paths is split, each path with its own priority. */
interface RouteCandidate {
  readonly route: RouteEntity;
  readonly sequence: number;
  /** Rank after sorting by priority: lower wins. */
  order: number;
  readonly acceptsHttp: boolean;
  readonly acceptsGrpc: boolean;
  readonly methods: readonly string[] | undefined;
  readonly hosts: readonly HostMatcher[] | undefined;
  /** Every host is exact and without a port: the candidate lives in the per-host index and skips the host check. */
  readonly indexedByHost: boolean;
  /** Text the path must start with: the prefix itself, or a regex's literal start (possibly ""). */
  readonly literal: string;
  readonly pattern: RegExp | undefined;
  /** The regex's named groups, found at compile time; undefined when it has none. */
  readonly captureNames: readonly string[] | undefined;
  readonly headers: readonly HeaderMatcher[] | undefined;
  /** Prebuilt for prefix and path-less candidates; regex candidates build theirs per match. */
  readonly staticMatch: RouteMatch | undefined;
  readonly matchWeight: number;
  readonly plainHostsOnly: number;
  readonly headerCount: number;
  readonly regexBit: number;
  readonly regexPriority: number;
  readonly prefixLength: number;
}

/**
 * A radix tree over the candidates' literal starts (prefix paths, and the literal text regex paths begin with).
 * Each node holds the candidates whose literal ends exactly there, sorted by rank; walking the request path down
 * the tree visits exactly the candidates whose literal is a prefix of the path, in a few hops whatever the number
 * of routes. Candidates without a literal (path-less routes, regexes starting with a class) sit at the root.
 */
interface RadixNode {
  edges: Map<number, RadixEdge> | undefined;
  readonly candidates: RouteCandidate[];
}

interface RadixEdge {
  readonly label: string;
  readonly node: RadixNode;
}

function newRadixNode(): RadixNode {
  return { edges: undefined, candidates: [] };
}

function routeConfigError(path: string, message: string): GatewayError {
  const base = runtimeErrors.CONFIG_INVALID("", `  - ${path}: ${message}`);
  return new GatewayError(base.code, base.message, base.status, { details: { issues: [{ path, message }] } });
}

/** Config strings are Unicode; request paths arrive one character per byte, so compare in that form. */
function toByteString(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

function compileHost(host: string, where: string): HostMatcher {
  let name = host.toLowerCase();
  let port: number | undefined;
  const colon = name.lastIndexOf(":");
  if (colon !== -1 && !name.endsWith("]") && /^[0-9]{1,5}$/.test(name.slice(colon + 1))) {
    port = Number(name.slice(colon + 1));
    name = name.slice(0, colon);
  }
  // Requests are matched without a trailing dot (see normalizeHost), so the config must be too.
  name = normalizeHost(name);
  const starCount = name.split("*").length - 1;
  if (starCount === 0) return { kind: "exact", value: name, port };
  if (starCount === 1 && name.startsWith("*.")) return { kind: "suffix", value: name.slice(1), port };
  if (starCount === 1 && name.endsWith(".*")) return { kind: "prefix", value: name.slice(0, -1), port };
  throw routeConfigError(where, `invalid wildcard host ${JSON.stringify(host)}: one '*' as the leftmost or rightmost label`);
}

/**
 * Kong anchors regex paths at the start only. The body is wrapped in `(?:…)` so that every branch of a top-level
 * alternation is anchored (Kong prefixes a bare `^`, which leaves later branches unanchored). No `u` flag: the
 * path is ASCII after normalisation, and non-Unicode mode accepts the PCRE identity escapes (`\-`, `\/`) that
 * Kong configs use. PCRE's `(?P<name>` is rewritten to JavaScript's `(?<name>`.
 */
function compilePathPattern(path: string, where: string): RegExp {
  const body = path.slice(1).replace(/(?<!\\)\(\?P</g, "(?<");
  try {
    return new RegExp(`^(?:${body})`);
  } catch (error) {
    throw routeConfigError(where, `invalid regex path ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

/** Adding an empty alternative makes any regex match "", which reveals every group name without a real input. */
function namedGroups(pattern: RegExp): string[] | undefined {
  const groups = new RegExp(`${pattern.source}|`).exec("")?.groups;
  const names = groups === undefined ? [] : Object.keys(groups);
  return names.length === 0 ? undefined : names;
}

function compileHeaders(route: RouteEntity): HeaderMatcher[] | undefined {
  const entries = route.headers === undefined ? [] : Object.entries(route.headers);
  if (entries.length === 0) return undefined;
  return entries.map(([name, accepted]) => {
    const values: string[] = [];
    const patterns: RegExp[] = [];
    accepted.forEach((value, index) => {
      if (!value.startsWith("~*")) {
        values.push(value.toLowerCase());
        return;
      }
      try {
        patterns.push(new RegExp(value.slice(2), "i"));
      } catch (error) {
        const where = `${route.source}.headers.${name}[${index}]`;
        throw routeConfigError(where, `invalid header regex ${JSON.stringify(value)}: ${(error as Error).message}`);
      }
    });
    return { name: name.toLowerCase(), values, patterns };
  });
}

function compileCandidates(routes: readonly RouteEntity[]): RouteCandidate[] {
  const candidates: RouteCandidate[] = [];
  let sequence = 0;
  for (const route of routes) {
    const methods = route.methods !== undefined && route.methods.length > 0 ? route.methods : undefined;
    const hostList = route.hosts !== undefined && route.hosts.length > 0 ? route.hosts : undefined;
    const hosts = hostList?.map((host, index) => compileHost(host, `${route.source}.hosts[${index}]`));
    const headers = compileHeaders(route);
    const headerCount = Math.min(headers?.length ?? 0, MAX_HEADER_COUNT);
    const paths = route.paths !== undefined && route.paths.length > 0 ? route.paths : [undefined];
    const matchWeight =
      (methods ? 1 : 0) + (hosts ? 1 : 0) + (headers ? 1 : 0) + (paths[0] === undefined ? 0 : 1);
    // Kong sets the bit whenever `hosts` is a list without `*`, even an empty one.
    const plainHostsOnly = route.hosts !== undefined && !route.hosts.some((host) => host.includes("*")) ? 1 : 0;
    const indexedByHost = hosts?.every((host) => host.kind === "exact" && host.port === undefined) === true;
    const acceptsHttp = route.protocols.includes("http") || route.protocols.includes("https");
    const acceptsGrpc = route.protocols.includes("grpc") || route.protocols.includes("grpcs");

    paths.forEach((path, pathIndex) => {
      const where = `${route.source}.paths[${pathIndex}]`;
      const isRegex = path?.startsWith("~") === true;
      let literal = "";
      let pattern: RegExp | undefined;
      let captureNames: string[] | undefined;
      if (path !== undefined && isRegex) {
        pattern = compilePathPattern(path, where);
        literal = regexLiteralPrefix(path.slice(1));
        captureNames = namedGroups(pattern);
      } else if (path !== undefined) {
        const prefix = normalizePath(toByteString(path));
        if (prefix === undefined) throw routeConfigError(where, `invalid path ${JSON.stringify(path)}`);
        literal = prefix;
      }
      const staticMatch: RouteMatch | undefined = isRegex
        ? undefined
        : Object.freeze({ route, matchedPrefix: path === undefined ? "/" : literal, captures: undefined });
      candidates.push({
        route,
        sequence: sequence++,
        order: 0,
        acceptsHttp,
        acceptsGrpc,
        methods,
        hosts,
        indexedByHost,
        literal,
        pattern,
        captureNames,
        headers,
        staticMatch,
        matchWeight,
        plainHostsOnly,
        headerCount,
        regexBit: isRegex ? 1 : 0,
        regexPriority: isRegex ? route.regexPriority : 0,
        // Kong compares the byte length of the path as written.
        prefixLength: path !== undefined && !isRegex ? Buffer.byteLength(path, "utf8") : 0,
      });
    });
  }
  return candidates;
}

/** Kong's traditional_compatible priority, highest first; ties keep declaration order. */
function comparePriority(left: RouteCandidate, right: RouteCandidate): number {
  return (
    right.matchWeight - left.matchWeight ||
    right.plainHostsOnly - left.plainHostsOnly ||
    right.headerCount - left.headerCount ||
    right.regexBit - left.regexBit ||
    right.regexPriority - left.regexPriority ||
    right.prefixLength - left.prefixLength ||
    left.sequence - right.sequence
  );
}

/** Inserts in rank order, so that every node's list stays sorted. */
function addToTree(root: RadixNode, candidate: RouteCandidate): void {
  const literal = candidate.literal;
  let node = root;
  let position = 0;
  while (position < literal.length) {
    const code = literal.charCodeAt(position);
    node.edges ??= new Map();
    const edge = node.edges.get(code);
    if (edge === undefined) {
      const leaf = newRadixNode();
      node.edges.set(code, { label: literal.slice(position), node: leaf });
      node = leaf;
      break;
    }
    const label = edge.label;
    let common = 1;
    while (common < label.length && position + common < literal.length && label.charCodeAt(common) === literal.charCodeAt(position + common)) {
      common++;
    }
    if (common < label.length) {
      // Split the edge where the literal leaves it.
      const middle = newRadixNode();
      middle.edges = new Map([[label.charCodeAt(common), { label: label.slice(common), node: edge.node }]]);
      node.edges.set(code, { label: label.slice(0, common), node: middle });
      node = middle;
    } else {
      node = edge.node;
    }
    position += common;
  }
  node.candidates.push(candidate);
}

function hostMatches(matchers: readonly HostMatcher[], host: string, port: number | undefined): boolean {
  for (const matcher of matchers) {
    if (matcher.port !== undefined && matcher.port !== port) continue;
    const value = matcher.value;
    if (matcher.kind === "exact") {
      if (host === value) return true;
    } else if (host.length > value.length && (matcher.kind === "suffix" ? host.endsWith(value) : host.startsWith(value))) {
      return true;
    }
  }
  return false;
}

function headerValueAccepted(matcher: HeaderMatcher, value: string): boolean {
  if (matcher.values.includes(value)) return true;
  for (const pattern of matcher.patterns) if (pattern.test(value)) return true;
  return false;
}

/** Every header must be present with an accepted value; a repeated header matches when any of its values does. */
function headersMatch(matchers: readonly HeaderMatcher[], request: RouteRequest): boolean {
  for (const matcher of matchers) {
    const raw = request.header(matcher.name);
    if (raw === undefined) return false;
    const value = raw.toLowerCase();
    if (headerValueAccepted(matcher, value)) continue;
    if (!value.includes(",")) return false;
    if (!value.split(",").some((part) => headerValueAccepted(matcher, part.trim()))) return false;
  }
  return true;
}

function buildCaptures(result: RegExpExecArray, names: readonly string[]): Readonly<Record<string, string>> {
  const groups = result.groups!;
  const captures: Record<string, string> = {};
  for (const name of names) {
    const value = groups[name];
    if (value !== undefined) captures[name] = value;
  }
  return captures;
}

/** One cached answer for a path: the other inputs it was computed from, and the result. */
interface CachedAnswer {
  readonly method: string;
  readonly host: string;
  readonly variant: number;
  readonly match: RouteMatch | undefined;
}

/** A path requested under many hosts or methods keeps only its latest answers. */
const MAX_ANSWERS_PER_PATH = 8;

class CompiledRouter implements Router {
  private readonly byHost: Map<string, RadixNode>;
  private readonly anyHost: RadixNode;
  /**
   * Keyed by path, each with a few answers compared field by field: no key string is built per request, and no
   * crafted host can collide with another request's key.
   */
  private readonly cache: MatchCache<CachedAnswer[]> | undefined;
  private readonly usesPorts: boolean;

  // Per-call search state: match() is synchronous, so one set of fields serves every call.
  private request!: RouteRequest;
  private host = "";
  private grpc = false;
  private best: RouteMatch | undefined;
  private bestOrder = 0;
  private headersConsulted = false;
  /** Scratch list of the tree nodes on the path being matched, reused across calls. */
  private readonly visited: RadixNode[] = [];

  constructor(candidates: readonly RouteCandidate[], cacheSize: number) {
    this.byHost = new Map();
    this.anyHost = newRadixNode();
    for (const candidate of candidates) {
      if (!candidate.indexedByHost) {
        addToTree(this.anyHost, candidate);
        continue;
      }
      // A Set: a route listing the same host twice must appear once per list.
      for (const host of new Set(candidate.hosts!.map((matcher) => matcher.value))) {
        let tree = this.byHost.get(host);
        if (tree === undefined) {
          tree = newRadixNode();
          this.byHost.set(host, tree);
        }
        addToTree(tree, candidate);
      }
    }
    this.usesPorts = candidates.some((candidate) => candidate.hosts?.some((host) => host.port !== undefined) === true);
    this.cache = cacheSize > 0 ? new MatchCache(cacheSize) : undefined;
  }

  match(request: RouteRequest): RouteMatch | undefined {
    const host = normalizeHost(request.host);
    const grpc = request.protocol === "grpc" || request.protocol === "grpcs";
    const variant = (this.usesPorts ? (request.port ?? 0) * 2 : 0) + (grpc ? 1 : 0);
    const method = request.method;
    const path = request.path;
    let answers: CachedAnswer[] | undefined;
    if (this.cache !== undefined) {
      answers = this.cache.get(path);
      if (answers !== undefined) {
        for (const answer of answers) {
          if (answer.method === method && answer.host === host && answer.variant === variant) return answer.match;
        }
      }
    }

    this.request = request;
    this.host = host;
    this.grpc = grpc;
    this.best = undefined;
    this.bestOrder = Number.POSITIVE_INFINITY;
    this.headersConsulted = false;
    const hostTree = this.byHost.get(host);
    if (hostTree !== undefined) this.search(hostTree, false);
    this.search(this.anyHost, true);
    // The searches above set it; TypeScript still sees the `undefined` assigned before them.
    const best = this.best as RouteMatch | undefined;
    this.best = undefined;

    if (this.cache !== undefined && !this.headersConsulted) {
      // A cached match is shared by later requests: freeze what was built per request.
      if (best !== undefined && !Object.isFrozen(best)) {
        if (best.captures !== undefined) Object.freeze(best.captures);
        Object.freeze(best);
      }
      const answer: CachedAnswer = { method, host, variant, match: best };
      if (answers === undefined) this.cache.set(path, [answer]);
      else {
        if (answers.length >= MAX_ANSWERS_PER_PATH) answers.shift();
        answers.push(answer);
      }
    }
    return best;
  }

  /**
   * Walks the path down the tree, then considers the nodes deepest first: longer literals usually rank higher, so
   * the best rank tightens early and the shallow lists (path-less routes at the root) end at their first entry.
   */
  private search(root: RadixNode, checkHost: boolean): void {
    const path = this.request.path;
    const visited = this.visited;
    let count = 0;
    let node = root;
    let position = 0;
    visited[count++] = node;
    while (node.edges !== undefined && position < path.length) {
      const edge = node.edges.get(path.charCodeAt(position));
      if (edge === undefined || !path.startsWith(edge.label, position)) break;
      position += edge.label.length;
      node = edge.node;
      visited[count++] = node;
    }
    while (count > 0) {
      const candidates = visited[--count]!.candidates;
      if (candidates.length > 0) this.consider(candidates, checkHost);
    }
  }

  /** Lists are sorted by rank, so a scan stops at the first match or at the first rank worse than the best. */
  private consider(candidates: readonly RouteCandidate[], checkHost: boolean): void {
    const request = this.request;
    for (const candidate of candidates) {
      if (candidate.order >= this.bestOrder) return;
      if (this.grpc ? !candidate.acceptsGrpc : !candidate.acceptsHttp) continue;
      if (candidate.methods !== undefined && !candidate.methods.includes(request.method)) continue;
      if (checkHost && candidate.hosts !== undefined && !hostMatches(candidate.hosts, this.host, request.port)) continue;
      let result: RegExpExecArray | null = null;
      if (candidate.pattern !== undefined) {
        result = candidate.pattern.exec(request.path);
        if (result === null) continue;
      }
      if (candidate.headers !== undefined) {
        this.headersConsulted = true;
        if (!headersMatch(candidate.headers, request)) continue;
      }
      this.best =
        result === null
          ? candidate.staticMatch
          : {
              route: candidate.route,
              matchedPrefix: result[0],
              captures: candidate.captureNames === undefined ? undefined : buildCaptures(result, candidate.captureNames),
            };
      this.bestOrder = candidate.order;
      return;
    }
  }
}

/**
 * Compiles routes into a router with Kong's `traditional_compatible` precedence. Regexes, hosts, header values
 * and prefix paths are prepared here; a request only walks the candidates indexed under its host (plus those
 * without a plain host) and under its first path segment (plus regex and path-less routes).
 * Throws a GatewayError (`PC_ERR_CONFIG_INVALID`) naming the route field for an invalid regex, path or host.
 */
export function compileRouter(routes: readonly RouteEntity[], options: RouterOptions = {}): Router {
  const candidates = compileCandidates(routes).sort(comparePriority);
  candidates.forEach((candidate, rank) => {
    candidate.order = rank;
  });
  return new CompiledRouter(candidates, options.cacheSize ?? DEFAULT_CACHE_SIZE);
}
