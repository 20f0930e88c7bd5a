import { createHash } from "node:crypto";

/**
 * The namespace of every id Portcullis derives for a declarative entity. Fixed forever: changing it would change
 * every generated id, and with them rate-limit counter keys and anything else keyed by entity id.
 */
export const PORTCULLIS_ID_NAMESPACE = "4f0c7d3e-5b7a-4c8e-9a61-2d9b3f1e6a05";

const namespaceBytes = new Map<string, Buffer>();

function uuidBytes(uuid: string): Buffer {
  let bytes = namespaceBytes.get(uuid);
  if (bytes === undefined) namespaceBytes.set(uuid, (bytes = Buffer.from(uuid.replace(/-/g, ""), "hex")));
  return bytes;
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A name-based UUID (RFC 4122 §4.3, version 5: SHA-1), so the same name always yields the same id. */
export function uuidV5(name: string, namespace: string = PORTCULLIS_ID_NAMESPACE): string {
  const digest = createHash("sha1").update(uuidBytes(namespace)).update(name, "utf8").digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}
