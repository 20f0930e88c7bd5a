/** nginx's decoding alphabet for `ngx.decode_base64`: the standard one, no URL-safe characters. */
const alphabet = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes base64 as `ngx.decode_base64` (Kong's) does: the text up to the first `=` must be standard base64 without
 * padding, and anything from the first `=` on is ignored. Undefined when nginx would fail, which Kong treats as a
 * signature mismatch.
 */
export function decodeBase64LikeNginx(text: string): Buffer | undefined {
  const padding = text.indexOf("=");
  const data = padding === -1 ? text : text.slice(0, padding);
  if (data.length % 4 === 1 || !alphabet.test(data)) return undefined;
  return Buffer.from(data, "base64");
}
