import { createHmac } from "node:crypto";
import type { AccessContext } from "@portcullis/sdk";
import { contentDigestMatches } from "./body-digest.js";
import { macEquals } from "./constant-time.js";
import type { CredentialEntry } from "./credential-index.js";
import { hmacErrors } from "./errors.js";
import { buildSignatureBase, normalizeAuthority, type SignedMessage } from "./signature-base.js";
import { type InnerList, joinFieldLines, parseDictionary } from "./structured-fields.js";
import { isFailure, type Outcome, readBody, type VerificationSettings } from "./verification.js";

/** The first signature whose `keyid` names a known credential: the one this gateway can check. */
function chooseSignature(
  inputs: ReadonlyMap<string, unknown>,
  credentials: ReadonlyMap<string, CredentialEntry>,
): { label: string; parameters: InnerList; entry: CredentialEntry } | undefined {
  for (const [label, member] of inputs as ReadonlyMap<string, InnerList | { kind: "item" }>) {
    if (member.kind !== "inner-list") continue;
    const keyId = member.parameters.get("keyid");
    if (keyId?.type !== "string") continue;
    const entry = credentials.get(keyId.value);
    if (entry !== undefined) return { label, parameters: member, entry };
  }
  return undefined;
}

/**
 * RFC 9421 verification with `hmac-sha256`: parse `Signature-Input` and `Signature`, pick the signature made with a
 * known key, check its metadata (`alg`, `created`, `expires`), the required components, the MAC over the rebuilt
 * signature base and, when covered or asked for, the body against `Content-Digest` (RFC 9530).
 */
export function verifyRfc9421Signature(ctx: AccessContext, settings: VerificationSettings): Outcome | Promise<Outcome> {
  const request = ctx.request;
  const inputField = joinFieldLines(request.headers["signature-input"]);
  const signatureField = joinFieldLines(request.headers.signature);
  if (settings.hideCredentials) {
    ctx.upstream.removeHeader("signature-input");
    ctx.upstream.removeHeader("signature");
  }
  if (inputField === undefined || signatureField === undefined) return hmacErrors.CANNOT_VERIFY;
  const inputs = parseDictionary(inputField);
  const signatures = parseDictionary(signatureField);
  if (inputs === undefined || signatures === undefined) return hmacErrors.CANNOT_VERIFY;

  const chosen = chooseSignature(inputs, settings.credentials);
  if (chosen === undefined) return hmacErrors.CANNOT_VERIFY;
  const { parameters, entry } = chosen;
  const signature = signatures.get(chosen.label);
  if (signature?.kind !== "item" || signature.value.type !== "bytes") return hmacErrors.CANNOT_VERIFY;

  const algorithm = parameters.parameters.get("alg");
  if (algorithm !== undefined && (algorithm.type !== "string" || algorithm.value !== "hmac-sha256")) {
    return hmacErrors.CANNOT_VERIFY;
  }
  const nowSeconds = settings.now() / 1000;
  const created = parameters.parameters.get("created");
  if (created?.type !== "integer" || Math.abs(nowSeconds - created.value) > settings.clockSkewSeconds) {
    return hmacErrors.CREATED_INVALID;
  }
  const expires = parameters.parameters.get("expires");
  if (expires !== undefined && (expires.type !== "integer" || expires.value < nowSeconds)) {
    return hmacErrors.SIGNATURE_EXPIRED;
  }
  const nonce = parameters.parameters.get("nonce");
  if (nonce !== undefined && nonce.type !== "string") return hmacErrors.CANNOT_VERIFY;

  let coversContentDigest = false;
  for (const item of parameters.items) if (item.value.value === "content-digest") coversContentDigest = true;
  for (const required of settings.requiredComponents) {
    if (!parameters.items.some((item) => item.value.type === "string" && item.value.value === required)) {
      return hmacErrors.CANNOT_VERIFY;
    }
  }

  const message: SignedMessage = {
    method: request.method,
    scheme: request.scheme,
    authority: normalizeAuthority(request.header("host") ?? request.host, request.scheme),
    path: request.rawPath,
    query: request.rawQuery,
    field: (name) => request.headers[name],
  };
  const base = buildSignatureBase(message, parameters);
  if (base === undefined) return hmacErrors.CANNOT_VERIFY;
  const expected = createHmac("sha256", entry.key).update(base, "latin1").digest();
  if (!macEquals(expected, signature.value.value)) return hmacErrors.SIGNATURE_MISMATCH;

  const replayKey =
    nonce === undefined
      ? `rfc9421\u0000${entry.username}\u0000${signature.value.value.toString("base64")}`
      : `rfc9421-nonce\u0000${entry.username}\u0000${nonce.value}`;
  const verified: Outcome = { entry, replayKey };
  // Only the body check waits; without it the answer is synchronous.
  if (!coversContentDigest && !settings.validateRequestBody) return verified;
  return readBody(request, settings.maxBodySize).then((body) => {
    if (isFailure(body)) return body;
    const digest = joinFieldLines(request.headers["content-digest"]);
    // An unsigned Content-Digest proves nothing: whoever changed the body could change it too.
    if ((body.length > 0 || digest !== undefined) && (!coversContentDigest || !contentDigestMatches(digest, body))) {
      return hmacErrors.SIGNATURE_MISMATCH;
    }
    return verified;
  });
}
