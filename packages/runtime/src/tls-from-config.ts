import { createSecureContext, type SecureContext } from "node:tls";
import type { CertificateEntity } from "./config/types.js";
import type { ListenerTls } from "./listener.js";

function matches(pattern: string, serverName: string): boolean {
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(1);
    return serverName.endsWith(suffix) && !serverName.slice(0, -suffix.length).includes(".");
  }
  return pattern === serverName;
}

/**
 * TLS for the listener from the config's `certificates` (Kong's entity): the first certificate without `snis` is the
 * default (or the first one), and each SNI picks its own certificate, exact names before wildcards. Contexts are built
 * once here, never per handshake. Undefined when the config has no certificates.
 */
export function listenerTlsFromConfig(certificates: readonly CertificateEntity[]): ListenerTls | undefined {
  if (certificates.length === 0) return undefined;
  const fallback = certificates.find((certificate) => certificate.snis.length === 0) ?? certificates[0]!;
  const contexts = certificates.map((certificate) => ({ snis: certificate.snis, context: createSecureContext({ cert: certificate.cert, key: certificate.key }) }));
  const exact = new Map<string, SecureContext>();
  const wildcards: { pattern: string; context: SecureContext }[] = [];
  for (const { snis, context } of contexts) {
    for (const name of snis) {
      if (name.startsWith("*.")) wildcards.push({ pattern: name, context });
      else if (!exact.has(name)) exact.set(name, context);
    }
  }
  return {
    cert: fallback.cert,
    key: fallback.key,
    contextFor(serverName) {
      const name = serverName.toLowerCase();
      return exact.get(name) ?? wildcards.find((entry) => matches(entry.pattern, name))?.context;
    },
  };
}
