import type { HeaderValue } from "@portcullis/sdk";
import type { Decision } from "./decision.js";
import { type Period, periodSeconds } from "./windows.js";

export type HeaderStyle = "kong" | "ietf" | "both";

export interface HeaderTarget {
  setHeader(name: string, value: HeaderValue): void;
}

/**
 * The response headers, with every name and constant value built once at load:
 * - `kong`: `X-RateLimit-Limit-<Period>`, `X-RateLimit-Remaining-<Period>` per window, and `RateLimit-Limit`,
 *   `RateLimit-Remaining`, `RateLimit-Reset` for the most restrictive one (draft -00..-06, as Kong sends them);
 * - `ietf`: `RateLimit-Policy` and `RateLimit` of draft-ietf-httpapi-ratelimit-headers-11, one item per window,
 *   named after the period: `RateLimit-Policy: "minute";q=6;w=60` and `RateLimit: "minute";r=5;t=45`.
 * `Retry-After` goes on blocked responses in every style.
 */
export class RateLimitHeaders {
  readonly #kong: boolean;
  readonly #ietf: boolean;
  readonly #limitNames: readonly string[];
  readonly #remainingNames: readonly string[];
  readonly #limitValues: readonly string[];
  readonly #itemPrefixes: readonly string[];
  readonly #policy: string;

  constructor(periodsInOrder: readonly Period[], limits: readonly number[], style: HeaderStyle) {
    this.#kong = style !== "ietf";
    this.#ietf = style !== "kong";
    // Lower-case, as every name here: HTTP/2 requires it, and the runtime need not fold the case per request.
    this.#limitNames = periodsInOrder.map((period) => `x-ratelimit-limit-${period}`);
    this.#remainingNames = periodsInOrder.map((period) => `x-ratelimit-remaining-${period}`);
    this.#limitValues = limits.map((limit) => String(limit));
    this.#itemPrefixes = periodsInOrder.map((period) => `"${period}";r=`);
    this.#policy = periodsInOrder
      .map((period, index) => `"${period}";q=${Math.floor(limits[index]!)};w=${periodSeconds[period]}`)
      .join(", ");
  }

  /** The `RateLimit-Policy` value; it depends on the config only. */
  get policy(): string {
    return this.#policy;
  }

  /** Sets the headers for `decision`; `resets` holds each window's reset in seconds. Returns the Retry-After value. */
  apply(target: HeaderTarget, decision: Decision, resets: readonly number[]): string {
    const { remaining, chosen } = decision;
    const reset = String(resets[chosen]);
    if (this.#kong) {
      for (let index = 0; index < remaining.length; index++) {
        target.setHeader(this.#limitNames[index]!, this.#limitValues[index]!);
        target.setHeader(this.#remainingNames[index]!, String(remaining[index]));
      }
      target.setHeader("ratelimit-limit", this.#limitValues[chosen]!);
      target.setHeader("ratelimit-remaining", String(remaining[chosen]));
      target.setHeader("ratelimit-reset", reset);
    }
    if (this.#ietf) {
      target.setHeader("ratelimit-policy", this.#policy);
      let value = "";
      for (let index = 0; index < remaining.length; index++) {
        if (index > 0) value += ", ";
        value += `${this.#itemPrefixes[index]}${Math.floor(remaining[index]!)};t=${resets[index]}`;
      }
      target.setHeader("ratelimit", value);
    }
    return reset;
  }
}
