/**
 * Request smuggling and framing attacks over raw sockets against a gateway served as `portcullis start` serves it.
 * Each ambiguous message must be refused with a 4xx on a closed connection, and the upstream must see either
 * nothing or exactly one well-framed request: never a second request hidden in the first one's body.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstream, type TestServer } from "../support.js";
import { type HardenedGateway, rawRequest, startHardenedGateway } from "./attack-support.js";

let upstream: TestServer;
let gateway: HardenedGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gateway = await startHardenedGateway({
    config: { _format_version: "3.0", services: [{ name: "backend", url: upstream.url, routes: [{ name: "all", paths: ["/"] }] }] },
  });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The request smuggled inside the attack's body: if the upstream ever records it, the framing was ambiguous. */
const smuggled = "GET /smuggled HTTP/1.1\r\nHost: upstream\r\n\r\n";

const ambiguous: [string, string][] = [
  ["Content-Length with Transfer-Encoding (CL.TE)", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ["Transfer-Encoding before Content-Length (TE.CL)", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n${smuggled}`],
  ["conflicting duplicate Content-Length", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n${smuggled}`],
  ["a Content-Length list with two values", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 44\r\n\r\n${smuggled}`],
  ["a signed Content-Length", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: +44\r\n\r\n${smuggled}`],
  ["obs-fold continuing a Transfer-Encoding line", `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding:\r\n chunked\r\n\r\n${smuggled}`],
  ["obs-fold in an ordinary header", `GET /a HTTP/1.1\r\nHost: x\r\nX-Folded: one\r\n two\r\n\r\n`],
  ["a bare CR inside a header value", `GET /a HTTP/1.1\r\nHost: x\r\nX-Value: one\rTransfer-Encoding: chunked\r\n\r\n`],
  ["a NUL inside a header value", `GET /a HTTP/1.1\r\nHost: x\r\nX-Value: one\0two\r\n\r\n`],
  ["bare LF line endings", `POST /a HTTP/1.1\nHost: x\nContent-Length: 0\nTransfer-Encoding: chunked\n\n0\n\n${smuggled}`],
  ["a bare LF ending one header line", `GET /a HTTP/1.1\r\nHost: x\r\nX-Value: one\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ["a chunk size that is not hexadecimal", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n${smuggled}`],
  ["a chunk size that overflows 64 bits", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n`],
  ["a negative chunk size", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n`],
  ["a chunk whose data is longer than its size", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n${smuggled}`],
  ["a bare LF after the chunk size", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`],
  ["Transfer-Encoding: chunked, identity", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${smuggled}`],
  ["Transfer-Encoding: identity alone", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`],
  ["Transfer-Encoding: xchunked", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ["whitespace before the header colon", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n${smuggled}`],
  ["two Transfer-Encoding headers, the last not chunked", `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`],
  ["an HTTP/1.1 request without a Host", `GET /a HTTP/1.1\r\nX-Value: one\r\n\r\n`],
  ["two Host headers", `GET /a HTTP/1.1\r\nHost: one\r\nHost: two\r\n\r\n`],
  ["a space inside the request target", `GET /a b HTTP/1.1\r\nHost: x\r\n\r\n`],
  ["an unknown HTTP version", `GET /a HTTP/1.7\r\nHost: x\r\n\r\n`],
];

describe("ambiguous framing is refused, never forwarded", () => {
  it.each(ambiguous)("%s", async (_name, payload) => {
    const before = upstream.requests.length;
    const result = await rawRequest(gateway.port, payload);
    expect(result.statuses.length).toBeGreaterThan(0);
    expect(result.statuses[0]).toBeGreaterThanOrEqual(400);
    expect(result.statuses[0]).toBeLessThan(500);
    expect(result.statuses.filter((status) => status < 400)).toEqual([]);
    expect(result.closed).toBe(true);
    const forwarded = upstream.requests.slice(before);
    expect(forwarded.map((request) => request.url)).not.toContain("/smuggled");
    expect(forwarded.length).toBeLessThanOrEqual(1);
  });
});

describe("well-framed requests still pass (the controls)", () => {
  it("forwards a chunked body as exactly one request with the whole body", async () => {
    const before = upstream.requests.length;
    const result = await rawRequest(
      gateway.port,
      "POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
    );
    expect(result.statuses).toEqual([200]);
    const forwarded = upstream.requests.slice(before);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.body.toString()).toBe("hello world");
    expect(forwarded[0]!.headers["content-length"] === undefined || forwarded[0]!.headers["content-length"] === "11").toBe(true);
  });

  it("answers two pipelined requests in order and forwards exactly two", async () => {
    const before = upstream.requests.length;
    const result = await rawRequest(
      gateway.port,
      "POST /one HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(result.statuses).toEqual([200, 200]);
    // Node parses pipelined requests ahead, so the upstream may see them in either order; the framing is what matters.
    const forwarded = upstream.requests.slice(before).map((request) => `${request.url} ${request.body.toString()}`);
    expect(forwarded.sort()).toEqual(["/one abc", "/two "]);
  });

  it("accepts identical duplicate Content-Length values only as one length", async () => {
    const before = upstream.requests.length;
    const result = await rawRequest(gateway.port, "POST /same HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    const forwarded = upstream.requests.slice(before);
    // Either refusal or one request with the declared body is unambiguous; anything else is not.
    if (result.statuses[0] === 200) {
      expect(forwarded.map((request) => request.body.toString())).toEqual(["abc"]);
    } else {
      expect(result.statuses[0]).toBe(400);
      expect(forwarded).toEqual([]);
    }
  });
});
