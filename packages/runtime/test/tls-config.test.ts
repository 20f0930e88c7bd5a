import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeConfig } from "../src/config/index.js";
import { createGateway, listenerTlsFromConfig, redactedConfig, serveGateway } from "../src/index.js";
import { startUpstream, type TestServer } from "./support.js";

function selfSigned(folder: string, commonName: string): { cert: string; key: string } {
  const keyFile = join(folder, `${commonName}.key`);
  const certFile = join(folder, `${commonName}.crt`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${commonName}`, "-days", "1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

function tlsGet(port: number, serverName: string): Promise<{ status: number; commonName: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path: "/hello", servername: serverName, rejectUnauthorized: false, headers: { host: serverName } }, (response) => {
      const peer = (response.socket as TLSSocket).getPeerCertificate();
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, commonName: String(peer.subject?.CN) }));
    });
    outgoing.on("error", reject);
    outgoing.setTimeout(5_000, () => outgoing.destroy(new Error("timed out")));
    outgoing.end();
  });
}

describe("certificates in the config (Kong's entity)", () => {
  let folder: string;
  let fallback: { cert: string; key: string };
  let api: { cert: string; key: string };
  let upstream: TestServer;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "portcullis-tls-"));
    fallback = selfSigned(folder, "localhost");
    api = selfSigned(folder, "api.example.test");
    upstream = await startUpstream();
  });
  afterAll(() => upstream.close());

  it("terminates TLS with the default certificate, and picks another by SNI", async () => {
    const gateway = await createGateway({
      logger: false,
      accessLog: false,
      config: {
        _format_version: "3.0",
        certificates: [fallback, { ...api, snis: ["api.example.test", "*.api.example.test"] }],
        services: [{ name: "backend", url: upstream.url, routes: [{ paths: ["/"] }] }],
      },
    });
    const running = await serveGateway(gateway, { host: "127.0.0.1", port: 0 }, undefined, { tls: listenerTlsFromConfig(gateway.config().certificates) });
    try {
      expect(await tlsGet(running.address.port, "localhost")).toEqual({ status: 200, commonName: "localhost" });
      expect(await tlsGet(running.address.port, "api.example.test")).toEqual({ status: 200, commonName: "api.example.test" });
      expect(await tlsGet(running.address.port, "v2.api.example.test")).toEqual({ status: 200, commonName: "api.example.test" });
      const shown = JSON.stringify(redactedConfig(gateway));
      expect(shown).not.toContain("PRIVATE KEY");
      expect(shown).toContain("BEGIN CERTIFICATE");
    } finally {
      await running.close(2_000);
    }
  });

  it("refuses a bad PEM or a key that does not match, with the JSON path", () => {
    const result = normalizeConfig({
      _format_version: "3.0",
      certificates: [{ cert: "not a certificate", key: fallback.key }, { cert: fallback.cert, key: api.key }, { cert: fallback.cert }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: "certificates[0].cert", message: "not a PEM certificate" },
        { path: "certificates[1].key", message: "does not match the certificate" },
        { path: "certificates[2].key", message: "required field missing" },
      ]),
    );
  });

  it("serves plain HTTP when the config has no certificates", () => {
    expect(listenerTlsFromConfig([])).toBeUndefined();
  });
});
