import type { IncomingHttpHeaders } from "node:http";

/** gRPC status codes (grpc/doc/statuscodes.md) the gateway produces. */
export const grpcStatus = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Kong's mapping of an exit's HTTP status to a gRPC status (kong.response.exit on a gRPC request); else UNKNOWN. */
const fromHttp: ReadonlyMap<number, number> = new Map([
  [200, grpcStatus.OK],
  [400, grpcStatus.INVALID_ARGUMENT],
  [401, grpcStatus.UNAUTHENTICATED],
  [403, grpcStatus.PERMISSION_DENIED],
  [404, grpcStatus.NOT_FOUND],
  [429, grpcStatus.RESOURCE_EXHAUSTED],
  [500, grpcStatus.INTERNAL],
  [503, grpcStatus.UNAVAILABLE],
]);

export function grpcStatusFromHttp(status: number): number {
  return fromHttp.get(status) ?? grpcStatus.UNKNOWN;
}

/** True for a gRPC call: `content-type: application/grpc` or one of its `+proto`/`+json` variants. */
export function isGrpcRequest(headers: IncomingHttpHeaders): boolean {
  const contentType = headers["content-type"];
  return contentType?.startsWith("application/grpc") === true;
}

/**
 * Percent-encodes a grpc-message value as the gRPC HTTP/2 spec requires: bytes outside printable ASCII (0x20-0x7E)
 * and `%` itself become `%XX` of their UTF-8 encoding.
 */
export function encodeGrpcMessage(message: string): string {
  let encoded = "";
  for (const byte of Buffer.from(message, "utf8")) {
    encoded += byte < 0x20 || byte > 0x7e || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(byte);
  }
  return encoded;
}

/** The message of an exit body, as Kong puts it in grpc-message: a JSON body's `message`, or the text itself. */
export function exitMessage(body: Buffer): string {
  if (body.length === 0) return "";
  const text = body.toString("utf8");
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && typeof (parsed as { message?: unknown }).message === "string") return (parsed as { message: string }).message;
  } catch {
    // Not JSON: the body is the message.
  }
  return text.trim();
}

/** The head and trailers of a trailers-only gRPC response for an HTTP exit status and message. */
export function grpcExit(status: number, message: string): { readonly grpcStatus: string; readonly grpcMessage: string } {
  return { grpcStatus: String(grpcStatusFromHttp(status)), grpcMessage: encodeGrpcMessage(message) };
}

/**
 * Rewrites an exit's head into a gRPC response with no messages: HTTP 200, `content-type: application/grpc` and
 * the status. An HTTP/2 client gets the status as trailers (where gRPC clients read it once a head was sent); an
 * HTTP/1.1 client, which has no trailers without chunking, gets it in the head, as Kong's trailers-only answer.
 * Returns the trailers to send, if any.
 */
export function toGrpcExit(
  status: number,
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
  http2: boolean,
): Record<string, string> | undefined {
  const { grpcStatus: code, grpcMessage: message } = grpcExit(status, exitMessage(body));
  delete headers["content-length"];
  headers["content-type"] = "application/grpc";
  const trailers: Record<string, string> = { "grpc-status": code };
  if (message !== "") trailers["grpc-message"] = message;
  if (http2) return trailers;
  Object.assign(headers, trailers);
  return undefined;
}
