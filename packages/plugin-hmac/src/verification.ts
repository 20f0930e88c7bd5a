import { type ClientRequest, GatewayError } from "@portcullis/sdk";
import type { CredentialEntry } from "./credential-index.js";
import { type HmacErrorCode, hmacErrors } from "./errors.js";

/** What both signature formats need, computed once per configured instance. */
export interface VerificationSettings {
  readonly credentials: ReadonlyMap<string, CredentialEntry>;
  readonly clockSkewSeconds: number;
  /** Accepted Kong algorithm names mapped to node:crypto hash names. */
  readonly hashByAlgorithm: ReadonlyMap<string, string>;
  readonly enforceHeaders: readonly string[];
  readonly requiredComponents: readonly string[];
  readonly hideCredentials: boolean;
  readonly validateRequestBody: boolean;
  readonly maxBodySize: number;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

/** A verified request: who signed it, and the key that identifies this exact signature for replay protection. */
export interface Verified {
  readonly entry: CredentialEntry;
  readonly replayKey: string;
}

/** A failure is the registry code itself, so the failure path allocates nothing. */
export type Outcome = Verified | HmacErrorCode;

export function isFailure<T extends object>(outcome: T | HmacErrorCode): outcome is HmacErrorCode {
  return typeof outcome === "function";
}

/** Reads the body for digest validation; a body over the limit, or one the client abandoned, is a client error. */
export async function readBody(request: ClientRequest, limit: number): Promise<Buffer | HmacErrorCode> {
  try {
    return await request.body({ limit });
  } catch (error) {
    return GatewayError.is(error) && error.status === 413 ? hmacErrors.BODY_TOO_LARGE : hmacErrors.BODY_UNREADABLE;
  }
}
