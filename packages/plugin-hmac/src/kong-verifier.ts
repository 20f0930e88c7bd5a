import { createHmac } from "node:crypto";
import type { AccessContext } from "@portcullis/sdk";
import { kongDigestMatches } from "./body-digest.js";
import { macEquals } from "./constant-time.js";
import { hmacErrors } from "./errors.js";
import { parseHttpDate } from "./http-date.js";
import { parseKongAuthorization } from "./kong-authorization.js";
import { kongSigningString } from "./kong-signing-string.js";
import { decodeBase64LikeNginx } from "./nginx-base64.js";
import { isFailure, type Outcome, readBody, type VerificationSettings } from "./verification.js";

function dateWithinSkew(value: string | undefined, nowSeconds: number, clockSkewSeconds: number): boolean {
  if (value === undefined) return false;
  const seconds = parseHttpDate(value);
  return seconds !== undefined && Math.abs(nowSeconds - seconds) <= clockSkewSeconds;
}

/**
 * Kong's `do_authentication` after the "no header" check, step by step and in Kong's order: clock skew before the
 * header is even parsed, Proxy-Authorization before Authorization, parameters, credential, signature, then body.
 */
export function verifyKongSignature(ctx: AccessContext, settings: VerificationSettings): Outcome | Promise<Outcome> {
  const request = ctx.request;
  const nowSeconds = settings.now() / 1000;
  if (
    !dateWithinSkew(request.header("x-date"), nowSeconds, settings.clockSkewSeconds) &&
    !dateWithinSkew(request.header("date"), nowSeconds, settings.clockSkewSeconds)
  ) {
    return hmacErrors.DATE_INVALID;
  }

  let fields = parseKongAuthorization(request.header("proxy-authorization"));
  if (fields === undefined) {
    fields = parseKongAuthorization(request.header("authorization"));
    if (settings.hideCredentials) ctx.upstream.removeHeader("authorization");
  } else if (settings.hideCredentials) ctx.upstream.removeHeader("proxy-authorization");
  if (fields === undefined) return hmacErrors.CANNOT_VERIFY;

  for (const enforced of settings.enforceHeaders) {
    if (!fields.headers.includes(enforced)) return hmacErrors.CANNOT_VERIFY;
  }
  const hash = settings.hashByAlgorithm.get(fields.algorithm);
  if (hash === undefined) return hmacErrors.CANNOT_VERIFY;
  const entry = settings.credentials.get(fields.username);
  if (entry === undefined) return hmacErrors.CANNOT_VERIFY;

  const signingString = kongSigningString(fields.headers, {
    method: request.method,
    requestUri: request.rawQuery === "" ? request.rawPath : `${request.rawPath}?${request.rawQuery}`,
    httpVersion: request.httpVersion,
    header: (name) => request.header(name),
  });
  // Header values arrive as latin1-decoded octets; encoding back to latin1 signs the bytes the client sent.
  const expected = createHmac(hash, entry.key).update(signingString, "latin1").digest();
  const received = decodeBase64LikeNginx(fields.signature);
  if (received === undefined || !macEquals(expected, received)) return hmacErrors.SIGNATURE_MISMATCH;

  // Keyed on the decoded bytes, so re-encoding the same signature (padding, junk after `=`) is still a replay.
  const verified: Outcome = { entry, replayKey: `kong\u0000${entry.username}\u0000${received.toString("base64")}` };
  // Only the body check waits; without it the answer is synchronous.
  if (!settings.validateRequestBody) return verified;
  return readBody(request, settings.maxBodySize).then((body) => {
    if (isFailure(body)) return body;
    return kongDigestMatches(request.header("digest"), body) ? verified : hmacErrors.SIGNATURE_MISMATCH;
  });
}
