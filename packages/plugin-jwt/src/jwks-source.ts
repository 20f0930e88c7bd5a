import type { Logger } from "@portcullis/sdk";
import { LRUCache } from "lru-cache";
import type { Algorithm } from "./algorithms.js";
import { importPublicJwk, type VerificationKey } from "./key-import.js";

export interface JwksSourceOptions {
  readonly uri: string;
  /** The algorithms of the credentials that use this set; each member is imported once per algorithm. */
  readonly algorithms: ReadonlySet<Algorithm>;
  readonly timeoutMs: number;
  readonly refreshIntervalMs: number;
  readonly minRefreshIntervalMs: number;
  readonly now: () => number;
  readonly log: Logger;
  /** Members kept from one set; the rest are dropped with a warning. */
  readonly maxKeys?: number;
  /** Larger responses are junk. */
  readonly maxBytes?: number;
}

type KeysByAlgorithm = Map<Algorithm, VerificationKey>;

interface KeySet {
  readonly byKid: LRUCache<string, KeysByAlgorithm>;
  /** Every imported key per algorithm, for tokens without `kid`. */
  readonly byAlgorithm: Map<Algorithm, VerificationKey[]>;
}

const defaultMaxKeys = 256;
const defaultMaxBytes = 1024 * 1024;

/**
 * One remote JWK Set: fetched in the background at start, refreshed on an interval and, rate-limited, when a token
 * names an unknown `kid`. Lookups are synchronous and never touch the network. A failing or junk response keeps
 * the last good keys. `jku` and `x5u` are never consulted: only this configured URI is fetched.
 */
export class JwksSource {
  readonly uri: string;
  /** Bumped whenever the served key set changes, so cached verifications made with older keys are redone. */
  generation = 0;
  private keys: KeySet | undefined;
  private lastBody: string | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();
  private readonly options: JwksSourceOptions;

  constructor(options: JwksSourceOptions) {
    this.options = options;
    this.uri = options.uri;
  }

  /** Starts the first fetch without waiting for it, and the refresh timer. */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
    this.timer.unref();
  }

  /** True once a fetch succeeded. */
  get loaded(): boolean {
    return this.keys !== undefined;
  }

  /**
   * The key for a token's `kid` and algorithm. Without `kid`, the set's only key for the algorithm. A miss asks for
   * a rate-limited background refresh and returns undefined at once.
   */
  find(kid: string | undefined, algorithm: Algorithm): VerificationKey | undefined {
    const keys = this.keys;
    let key: VerificationKey | undefined;
    if (keys !== undefined) {
      if (kid !== undefined) key = keys.byKid.get(kid)?.get(algorithm);
      else {
        const candidates = keys.byAlgorithm.get(algorithm);
        if (candidates?.length === 1) key = candidates[0];
      }
    }
    if (key === undefined) this.refreshSoon();
    return key;
  }

  private refreshSoon(): void {
    if (this.inFlight !== undefined || this.controller.signal.aborted) return;
    if (this.options.now() - this.lastAttempt < this.options.minRefreshIntervalMs) return;
    void this.refresh();
  }

  /** Fetches now (joining a fetch in flight). Never rejects: failures are logged and the last good keys stay. */
  refresh(): Promise<void> {
    if (this.inFlight !== undefined) return this.inFlight;
    if (this.controller.signal.aborted) return Promise.resolve();
    this.lastAttempt = this.options.now();
    this.inFlight = this.fetchAndSwap()
      .catch((error: unknown) => {
        if (this.controller.signal.aborted) return;
        this.options.log.warn("jwks fetch failed; keeping the last good keys", {
          uri: this.uri,
          error: error instanceof Error ? error.message : String(error),
          hasKeys: this.keys !== undefined,
        });
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.controller.abort();
  }

  private async fetchAndSwap(): Promise<void> {
    const body = await this.download();
    if (body === this.lastBody) return;
    const parsed: unknown = JSON.parse(body);
    const members = typeof parsed === "object" && parsed !== null ? (parsed as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(members)) throw new Error("not a JWK Set: no keys array");
    const maxKeys = this.options.maxKeys ?? defaultMaxKeys;
    const byKid = new LRUCache<string, KeysByAlgorithm>({ max: maxKeys });
    const byAlgorithm = new Map<Algorithm, VerificationKey[]>();
    let imported = 0;
    let skipped = 0;
    for (const member of members.slice(0, maxKeys)) {
      if (typeof member !== "object" || member === null || Array.isArray(member)) {
        skipped++;
        continue;
      }
      const jwk = member as Record<string, unknown>;
      const kid = typeof jwk.kid === "string" ? jwk.kid : undefined;
      for (const algorithm of this.options.algorithms) {
        const result = await importPublicJwk(jwk, algorithm);
        if (!result.ok) continue;
        imported++;
        if (kid !== undefined) {
          let entry = byKid.get(kid);
          if (entry === undefined) byKid.set(kid, (entry = new Map()));
          if (!entry.has(algorithm)) entry.set(algorithm, result.key);
        }
        const list = byAlgorithm.get(algorithm);
        if (list === undefined) byAlgorithm.set(algorithm, [result.key]);
        else list.push(result.key);
      }
    }
    if (members.length > maxKeys) {
      this.options.log.warn("jwks has more keys than kept", { uri: this.uri, keys: members.length, kept: maxKeys });
    }
    if (imported === 0) throw new Error(`no usable key for ${[...this.options.algorithms].join(", ")} (${skipped} malformed)`);
    this.keys = { byKid, byAlgorithm };
    this.lastBody = body;
    this.generation++;
    this.options.log.debug("jwks loaded", { uri: this.uri, keys: imported, generation: this.generation });
  }

  private async download(): Promise<string> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.options.timeoutMs)]);
    const response = await fetch(this.uri, {
      signal,
      headers: { accept: "application/jwk-set+json, application/json" },
    });
    const maxBytes = this.options.maxBytes ?? defaultMaxBytes;
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`status ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new Error(`response larger than ${maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body !== null) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks).toString("utf8");
  }
}
