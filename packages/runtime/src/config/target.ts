/** A target's `host[:port]`, with Kong's default port of 8000; IPv6 hosts are returned without brackets. */
import { isHost, isPort, splitHostPort } from "./validators.js";

export const DEFAULT_TARGET_PORT = 8000;

export function parseTarget(target: string): { host: string; port: number } | { error: string } {
  const parts = splitHostPort(target);
  if (parts === undefined || parts.host === "" || !isHost(parts.host)) {
    return { error: `Invalid target ('${target}'); not a valid hostname or ip address` };
  }
  if (parts.port !== undefined && (!isPort(parts.port) || Number(parts.port) === 0)) {
    return { error: `Invalid target ('${target}'); port must be between 1 and 65535` };
  }
  return { host: parts.host, port: parts.port === undefined ? DEFAULT_TARGET_PORT : Number(parts.port) };
}
