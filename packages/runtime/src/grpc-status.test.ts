import { describe, expect, it } from "vitest";
import { encodeGrpcMessage, exitMessage, grpcStatusFromHttp, toGrpcExit } from "./grpc-status.js";

describe("gRPC status mapping", () => {
  it.each([
    [200, 0],
    [400, 3],
    [401, 16],
    [403, 7],
    [404, 5],
    [429, 8],
    [500, 13],
    [503, 14],
    [418, 2],
    [502, 2],
  ])("maps HTTP %i to gRPC %i", (status, code) => {
    expect(grpcStatusFromHttp(status)).toBe(code);
  });

  it("percent-encodes grpc-message outside printable ASCII, and % itself", () => {
    expect(encodeGrpcMessage("Unauthorized")).toBe("Unauthorized");
    expect(encodeGrpcMessage("100% sure\nnext é")).toBe("100%25 sure%0Anext %C3%A9");
  });

  it("takes the message of a JSON exit body, or the text", () => {
    expect(exitMessage(Buffer.from('{"message":"API rate limit exceeded"}'))).toBe("API rate limit exceeded");
    expect(exitMessage(Buffer.from("plain words\n"))).toBe("plain words");
    expect(exitMessage(Buffer.alloc(0))).toBe("");
  });

  it("puts the status in trailers for HTTP/2 clients and in the head for HTTP/1.1 clients", () => {
    const http2Head: Record<string, string | undefined> = { "content-type": "application/json", "content-length": "26", "www-authenticate": "Bearer" };
    expect(toGrpcExit(401, Buffer.from('{"message":"Unauthorized"}'), http2Head, true)).toEqual({ "grpc-status": "16", "grpc-message": "Unauthorized" });
    expect(http2Head).toEqual({ "content-type": "application/grpc", "www-authenticate": "Bearer" });
    const http1Head: Record<string, string | undefined> = {};
    expect(toGrpcExit(429, Buffer.from('{"message":"slow down"}'), http1Head, false)).toBeUndefined();
    expect(http1Head).toEqual({ "content-type": "application/grpc", "grpc-status": "8", "grpc-message": "slow down" });
  });
});
