import { generateKeyPairSync } from "node:crypto";
import type { Credential } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { buildCredentialIndex, type CredentialIndexOptions, describeCredential } from "./credential-index.js";
import type { JwksSource } from "./jwks-source.js";

const credential = (fields: Record<string, unknown>): Credential => ({ id: "id", collection: "jwt_secrets", consumerId: "c1", ...fields });
const fakeSource = { uri: "https://idp.example/jwks" } as JwksSource;
const options = (overrides: Partial<CredentialIndexOptions> = {}): CredentialIndexOptions => ({
  secretIsBase64: false,
  configJwksUri: undefined,
  findConsumer: (id) => (id === "c1" ? { id, username: "carol" } : undefined),
  jwksSource: () => fakeSource,
  warn: () => undefined,
  ...overrides,
});

describe("buildCredentialIndex", () => {
  it("indexes by key with the bound algorithm and consumer", async () => {
    const index = await buildCredentialIndex([credential({ key: "k", secret: "s" })], options());
    const entry = index.get("k");
    expect(entry?.algorithm).toBe("HS256");
    expect(entry?.consumer?.username).toBe("carol");
    expect(entry?.binding.kind).toBe("static");
  });

  it("binds JWK Sets: the credential's own, else the config's", async () => {
    const requested: string[] = [];
    const jwksSource = (uri: string) => {
      requested.push(uri);
      return fakeSource;
    };
    const index = await buildCredentialIndex(
      [credential({ key: "own", algorithm: "RS256", jwks_uri: "https://a.example/jwks" }), credential({ key: "shared", algorithm: "ES256" })],
      options({ configJwksUri: "https://b.example/jwks", jwksSource }),
    );
    expect(index.get("own")?.binding.kind).toBe("jwks");
    expect(index.get("shared")?.binding.kind).toBe("jwks");
    expect(requested).toEqual(["https://a.example/jwks", "https://b.example/jwks"]);
  });

  it("keeps an ES credential without a key as unusable (Kong: Invalid key/secret at runtime)", async () => {
    const index = await buildCredentialIndex([credential({ key: "es", algorithm: "ES256" })], options());
    expect(index.get("es")?.binding.kind).toBe("none");
  });

  it("warns about, but loads, a secret that is not base64 under secret_is_base64", async () => {
    const warnings: string[] = [];
    const index = await buildCredentialIndex(
      [credential({ key: "k", secret: "*" })],
      options({ secretIsBase64: true, warn: (message) => warnings.push(message) }),
    );
    expect(index.get("k")?.binding.kind).toBe("none");
    expect(warnings).toHaveLength(1);
  });

  it("refuses what Kong's entity checks refuse, naming the credential", async () => {
    await expect(buildCredentialIndex([credential({ key: "r", algorithm: "RS256" })], options())).rejects.toThrow(
      `jwt_secrets[key="r"] of consumer 'carol': rsa_public_key: required field missing for RS256`,
    );
    const ed = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    await expect(buildCredentialIndex([credential({ key: "r", algorithm: "RS256", rsa_public_key: ed })], options())).rejects.toThrow(
      "an RS256 key must be RSA",
    );
    await expect(
      buildCredentialIndex([credential({ key: "d", secret: "a" }), credential({ key: "d", secret: "b" })], options()),
    ).rejects.toThrow("duplicate key");
  });
});

describe("describeCredential", () => {
  it("falls back to the consumer id", () => {
    expect(describeCredential(credential({ key: "k" }), undefined)).toBe(`jwt_secrets[key="k"] of consumer 'c1'`);
  });
});
