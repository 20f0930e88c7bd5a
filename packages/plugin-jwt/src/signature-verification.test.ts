import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { importPublicKeyPem, importSecret } from "./key-import.js";
import { verifySignature } from "./signature-verification.js";
import { decodeToken } from "./token-decoding.js";

const decode = (token: string) => {
  const result = decodeToken(token);
  if (!result.ok) throw new Error(result.reason);
  return result.token;
};

describe("verifySignature", () => {
  it("verifies a jose-signed HS256 token and refuses a wrong key (parser spec)", async () => {
    const token = decode(await new SignJWT({ a: 1 }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("right")));
    const right = importSecret("right", "HS256", false);
    const wrong = importSecret("wrong", "HS256", false);
    if (!right.ok || !wrong.ok) throw new Error("import failed");
    expect(verifySignature(token, right.key)).toBe(true);
    expect(verifySignature(token, wrong.key)).toBe(false);
  });

  it("refuses a key bound to another algorithm", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const token = decode(await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).sign(privateKey));
    const ps = importPublicKeyPem(publicKey.export({ type: "spki", format: "pem" }).toString(), "PS256");
    if (!ps.ok) throw new Error("import failed");
    expect(verifySignature(token, ps.key)).toBe(false);
  });

  it("returns false, never throws, on a truncated ES256 signature", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const signed = await new SignJWT({}).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
    const key = importPublicKeyPem(publicKey.export({ type: "spki", format: "pem" }).toString(), "ES256");
    if (!key.ok) throw new Error("import failed");
    expect(verifySignature(decode(signed), key.key)).toBe(true);
    expect(verifySignature(decode(signed.slice(0, -4)), key.key)).toBe(false);
  });
});
