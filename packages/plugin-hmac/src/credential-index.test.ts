import { createHmac } from "node:crypto";
import type { Credential, Logger } from "@portcullis/sdk";
import { GatewayError } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { indexCredentials } from "./credential-index.js";

function credential(fields: Record<string, unknown>): Credential {
  return { id: `id-${String(fields.username)}`, collection: "hmacauth_credentials", consumerId: "c1", ...fields };
}

function recordingLogger() {
  const warnings: { message: string; fields: unknown }[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    error() {},
    warn: (message, fields) => warnings.push({ message, fields }),
  };
  return { log, warnings };
}

const consumers = [{ id: "c1", username: "bob" }];

describe("indexCredentials", () => {
  it("indexes by username with the secret imported as a key", () => {
    const { log } = recordingLogger();
    const index = indexCredentials([credential({ username: "bob", secret: "secret" })], consumers, log);
    const entry = index.get("bob");
    expect(entry?.consumer.username).toBe("bob");
    expect(createHmac("sha1", entry!.key).update("x").digest("base64")).toBe(
      createHmac("sha1", "secret").update("x").digest("base64"),
    );
  });

  it("decodes base64 secrets (standard or URL-safe) when secret_encoding is base64", () => {
    const { log } = recordingLogger();
    const raw = Buffer.from([0xfb, 0xff, 0x01, 0x02]);
    const index = indexCredentials(
      [
        credential({ username: "a", secret: raw.toString("base64"), secret_encoding: "base64" }),
        credential({ username: "b", secret: raw.toString("base64url"), secret_encoding: "base64" }),
      ],
      consumers,
      log,
    );
    expect(index.get("a")?.key.export()).toEqual(raw);
    expect(index.get("b")?.key.export()).toEqual(raw);
  });

  it("refuses duplicate usernames and invalid base64 secrets at load", () => {
    const { log } = recordingLogger();
    const duplicate = () =>
      indexCredentials([credential({ username: "bob", secret: "a" }), credential({ username: "bob", secret: "b" })], consumers, log);
    expect(duplicate).toThrow(/hmacauth_credentials.username: "bob" is used by more than one credential/);
    try {
      indexCredentials([credential({ username: "x", secret: "%%%", secret_encoding: "base64" })], consumers, log);
      expect.unreachable();
    } catch (error) {
      expect(GatewayError.is(error) && error.code).toBe("PC_HMAC_SECRET_INVALID");
    }
  });

  it("skips, with a warning that never shows the secret, credentials without a secret or a consumer", () => {
    const { log, warnings } = recordingLogger();
    const index = indexCredentials(
      [credential({ username: "nosecret" }), { ...credential({ username: "orphan", secret: "hidden-value" }), consumerId: "gone" }],
      consumers,
      log,
    );
    expect(index.size).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).not.toContain("hidden-value");
  });

  it("accepts an empty secret, as Kong does", () => {
    const { log } = recordingLogger();
    expect(indexCredentials([credential({ username: "bob", secret: "" })], consumers, log).get("bob")).toBeDefined();
  });
});
