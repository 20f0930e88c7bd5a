import { type Span, type SpanContext, type SpanOptions, type Tracer, trace } from "@opentelemetry/api";
import { definePlugin } from "@portcullis/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/index.js";
import { send, serviceConfig, startGateway, startUpstream } from "./support.js";

interface Recorded {
  name: string;
  attributes: Record<string, unknown>;
  ended: boolean;
  parent: string | undefined;
}

/** A minimal recording tracer: enough to see which spans the runtime starts, without an SDK dependency. */
function recordingProvider(spans: Recorded[]) {
  let counter = 0;
  const tracer: Tracer = {
    startSpan(name: string, options?: SpanOptions, context?: unknown) {
      const id = (++counter).toString(16).padStart(16, "0");
      const parent = context === undefined ? undefined : trace.getSpan(context as never)?.spanContext().spanId;
      const record: Recorded = { name, attributes: { ...(options?.attributes ?? {}) }, ended: false, parent };
      if (name !== "portcullis.probe") spans.push(record);
      const spanContext: SpanContext = { traceId: "1".repeat(32), spanId: id, traceFlags: 1 };
      const span = {
        spanContext: () => spanContext,
        setAttribute: (key: string, value: unknown) => {
          record.attributes[key] = value;
          return span;
        },
        setAttributes: () => span,
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus: () => span,
        updateName: () => span,
        end: () => {
          record.ended = true;
        },
        isRecording: () => true,
        recordException: () => {},
      } as unknown as Span;
      return span;
    },
    startActiveSpan: (() => {
      throw new Error("not used");
    }) as Tracer["startActiveSpan"],
  };
  return { getTracer: () => tracer };
}

afterEach(() => trace.disable());

const tagger = definePlugin({
  name: "tagger",
  version: "1.0.0",
  priority: 5,
  configSchema: { type: "object" },
  create: () => ({
    access: (ctx) => ctx.upstream.setHeader("x-tagged", "1"),
    headerFilter: (ctx) => ctx.response.setHeader("x-tagged", "1"),
    log: () => {},
  }),
});

describe("telemetry", () => {
  it("starts a span per request and per plugin phase when an OpenTelemetry SDK is registered", async () => {
    const spans: Recorded[] = [];
    trace.setGlobalTracerProvider(recordingProvider(spans));
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "tagger" }] }), plugins: [tagger] });
    try {
      expect((await send(`${gateway.url}/x`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(spans.map((span) => span.name)).toEqual(["GET all", "tagger access", "tagger header_filter", "tagger log"]);
      const request = spans[0]!;
      expect(request.attributes).toMatchObject({ "http.request.method": "GET", "http.route": "all", "http.response.status_code": 200 });
      expect(spans.every((span) => span.ended)).toBe(true);
      expect(new Set(spans.slice(1).map((span) => span.parent)).size).toBe(1);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it("starts no span at all when no SDK is registered", async () => {
    const upstream = await startUpstream();
    const gateway = await startGateway({ config: serviceConfig(upstream.url, { plugins: [{ name: "tagger" }] }), plugins: [tagger] });
    try {
      expect((await send(`${gateway.url}/x`)).status).toBe(200);
      expect(trace.getTracer("x").startSpan("y").isRecording()).toBe(false);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe("access log", () => {
  it("writes one structured JSON line per request from the log phase", async () => {
    const lines: string[] = [];
    const upstream = await startUpstream();
    const gateway = await startGateway({
      config: serviceConfig(upstream.url),
      logger: createLogger({ sink: { write: (text: string) => lines.push(...text.trim().split("\n")) } }),
      accessLog: true,
    });
    try {
      await send(`${gateway.url}/orders?x=1`, { headers: { "x-request-id": "req-42" } });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.type === "access");
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ requestId: "req-42", method: "GET", path: "/orders", status: 200, route: "all", service: "backend" });
      expect((records[0]!.latency as { total: number }).total).toBeGreaterThan(0);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
