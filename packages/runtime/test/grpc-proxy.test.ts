import * as grpc from "@grpc/grpc-js";
import { definePlugin } from "@portcullis/sdk";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type Gateway, type RunningGateway, serveGateway } from "../src/index.js";
import { EchoClient, type EchoServer, startEchoServer } from "./fixtures/grpc-echo.js";

const secret = "grpc-test-secret-with-enough-length";

function grpcConfig(ports: readonly number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _format_version: "3.0",
    upstreams: [{ name: "echo-upstream", targets: ports.map((port) => ({ target: `127.0.0.1:${port}` })) }],
    services: [
      {
        name: "echo",
        protocol: "grpc",
        host: "echo-upstream",
        port: 80,
        read_timeout: 5_000,
        routes: [
          { name: "open", protocols: ["grpc"], paths: ["/portcullis.test.Echo/Unary", "/portcullis.test.Echo/ServerStream", "/portcullis.test.Echo/Bidi"] },
        ],
      },
    ],
    ...extra,
  };
}

/** Records what the log phase saw of each call. */
interface LoggedCall {
  readonly status: number;
  readonly path: string;
  readonly marker: string | undefined;
}

function logRecorder(seen: LoggedCall[]) {
  return definePlugin({
    name: "log-recorder",
    version: "1.0.0",
    priority: 1,
    configSchema: { type: "object" },
    create: () => ({
      log(ctx) {
        seen.push({ status: ctx.response.status, path: ctx.request.path, marker: ctx.request.header("x-marker") });
      },
    }),
  });
}

async function serve(config: Record<string, unknown>, plugins: Parameters<typeof createGateway>[0]["plugins"] = []): Promise<{ gateway: Gateway; running: RunningGateway; address: string }> {
  const gateway = await createGateway({ config, plugins, logger: false, accessLog: false });
  const running = await serveGateway(gateway, { host: "127.0.0.1", port: 0 });
  return { gateway, running, address: `127.0.0.1:${running.address.port}` };
}

function grpcError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error("the call succeeded");
    },
    (error: grpc.ServiceError) => error,
  );
}

describe("gRPC proxying over HTTP/2", () => {
  let first: EchoServer;
  let second: EchoServer;
  let served: Awaited<ReturnType<typeof serve>>;
  let client: EchoClient;
  const logged: LoggedCall[] = [];

  beforeAll(async () => {
    first = await startEchoServer("first");
    second = await startEchoServer("second");
    served = await serve(grpcConfig([first.port, second.port], { plugins: [{ name: "log-recorder" }] }), [logRecorder(logged)]);
    client = new EchoClient(served.address);
  });

  afterAll(async () => {
    client.close();
    await served.running.close(2_000);
    await Promise.all([first.close(), second.close()]);
  });

  it("proxies a unary call, with the proxy headers reaching the upstream", async () => {
    const reply = await client.unary({ text: "hello" });
    expect(reply.text).toBe("hello");
    expect(reply.forwardedFor).toBe("127.0.0.1");
  });

  it("proxies server streaming, every message in order", async () => {
    const replies = await client.serverStream({ text: "part", count: 5 });
    expect(replies.map((reply) => reply.text)).toEqual(["part-0", "part-1", "part-2", "part-3", "part-4"]);
  });

  it("proxies bidirectional streaming, each reply arriving before the next request is sent", async () => {
    const replies = await client.bidi(["a", "b", "c"]);
    expect(replies.map((reply) => reply.text)).toEqual(["echo:a", "echo:b", "echo:c"]);
  });

  it("balances the calls of one client connection across the upstream's targets", async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, (_, index) => client.unary({ text: `call-${index}` })));
    const servers = replies.map((reply) => reply.server);
    expect(servers.filter((server) => server === "first").length).toBe(5);
    expect(servers.filter((server) => server === "second").length).toBe(5);
  });

  it("relays an upstream's gRPC error status and message (a trailers-only response)", async () => {
    const error = await grpcError(client.unary({ text: "fail" }));
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(error.details).toBe("asked to fail");
  });

  it("forwards the client's deadline: the upstream sees grpc-timeout and the client gets DEADLINE_EXCEEDED", async () => {
    const before = [first.deadlines.length, second.deadlines.length];
    const error = await grpcError(client.unary({ text: "slow", delayMs: 1_500 }, { deadlineMs: 300, metadata: { "x-marker": "slow" } }));
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // The client's cancel reaches the gateway, which logs the call as abandoned long before the upstream answers.
    await expect.poll(() => logged.find((call) => call.marker === "slow")?.status, { timeout: 1_000 }).toBe(499);
    const reached = [first, second].filter((server, index) => server.deadlines.length > before[index]!);
    expect(reached.length).toBe(1);
    // grpc-js gives a server call a deadline only when grpc-timeout arrived with it.
    const deadline = reached[0]!.deadlines.at(-1) ?? 0;
    expect(deadline).toBeGreaterThan(Date.now() - 5_000);
    expect(deadline).toBeLessThan(Date.now() + 1_000);
  });

  it("runs the log phase for every call", async () => {
    await client.unary({ text: "logged" }, { metadata: { "x-marker": "logged" } });
    await expect.poll(() => logged.filter((call) => call.marker === "logged"), { timeout: 2_000 }).toEqual([{ status: 200, path: "/portcullis.test.Echo/Unary", marker: "logged" }]);
  });
});

describe("gRPC calls through auth and rate-limiting plugins", () => {
  let upstream: EchoServer;
  let served: Awaited<ReturnType<typeof serve>>;
  let client: EchoClient;

  beforeAll(async () => {
    upstream = await startEchoServer("only");
    served = await serve(
      grpcConfig([upstream.port], {
        consumers: [{ username: "alice", jwt_secrets: [{ key: "alice-issuer", secret }] }],
        plugins: [{ name: "jwt" }, { name: "rate-limiting", config: { minute: 2, policy: "local" } }],
      }),
    );
    client = new EchoClient(served.address);
  });

  afterAll(async () => {
    client.close();
    await served.running.close(2_000);
    await upstream.close();
  });

  it("maps a jwt rejection to UNAUTHENTICATED and never reaches the upstream", async () => {
    const error = await grpcError(client.unary({ text: "no token" }));
    expect(error.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(error.details).toBe("Unauthorized");
    expect(upstream.calls).toEqual([]);
  });

  it("lets a valid token through, then maps the rate limit to RESOURCE_EXHAUSTED", async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("alice-issuer").sign(new TextEncoder().encode(secret));
    const metadata = { authorization: `Bearer ${token}` };
    const reply = await client.unary({ text: "with token" }, { metadata });
    expect(reply.authorization).toBe(`Bearer ${token}`);
    // jwt ends the unauthenticated call before rate-limiting runs, so it did not count: two calls spend the limit.
    await client.unary({ text: "again" }, { metadata });
    const error = await grpcError(client.unary({ text: "over" }, { metadata }));
    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(upstream.calls.length).toBe(2);
  });
});
