import { chainConformanceCases } from "@portcullis/sdk/testing";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type RecordedRequest, send, startGateway, startUpstream, type TestServer } from "./support.js";

function recorded(request: RecordedRequest | undefined) {
  return request === undefined ? undefined : { method: request.method, path: request.url, headers: request.headers as Record<string, string> };
}

describe("chain conformance on the real runtime, over sockets", () => {
  let upstream: TestServer;
  let nextResponse: { status?: number; headers?: Record<string, string | readonly string[]>; body?: unknown; chunks?: readonly (string | Uint8Array)[] } = {};
  let lastRequest = undefined as RecordedRequest | undefined;

  beforeAll(async () => {
    upstream = await startUpstream((request, response, body) => {
      lastRequest = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body };
      const answer = nextResponse;
      response.writeHead(answer.status ?? 200, answer.headers as Record<string, string>);
      if (answer.chunks !== undefined) {
        for (const chunk of answer.chunks) response.write(chunk);
        response.end();
      } else response.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {}));
    });
  });
  afterAll(() => upstream.close());

  for (const testCase of chainConformanceCases) {
    it(testCase.name, async () => {
      const scenario = testCase.build();
      nextResponse = scenario.upstream;
      lastRequest = undefined;
      const running = await startGateway({
        config: {
          _format_version: "3.0",
          services: [{ name: "backend", url: upstream.url, routes: [{ name: "all", paths: ["/"] }] }],
          plugins: scenario.plugins.map((entry) => ({ name: entry.plugin.name, config: entry.config ?? {} })),
        },
        plugins: scenario.plugins.map((entry) => entry.plugin),
      });
      try {
        const response = await send(`${running.url}${scenario.request.path ?? "/"}`, {
          method: scenario.request.method,
          headers: scenario.request.headers as Record<string, string>,
          body: scenario.request.body as string | undefined,
        });
        await Promise.race([scenario.done, new Promise((_, reject) => setTimeout(() => reject(new Error("log phase did not finish")), 5_000))]);
        scenario.verify({
          status: response.status,
          headers: response.headers,
          body: response.body,
          upstreamRequest: recorded(lastRequest),
        });
      } finally {
        await running.close();
      }
    });
  }
});
