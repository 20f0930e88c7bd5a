import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";

/**
 * The tracer to use, or undefined when no OpenTelemetry SDK is registered. Checked at each config load: with no SDK
 * the API hands out non-recording spans, and skipping them entirely keeps the request path free of span objects.
 */
export function activeTracer(): Tracer | undefined {
  const tracer = trace.getTracer("@portcullis/runtime");
  const probe = tracer.startSpan("portcullis.probe");
  const recording = probe.isRecording();
  probe.end();
  return recording ? tracer : undefined;
}

export function startRequestSpan(tracer: Tracer, method: string, path: string, route: string | undefined): Span {
  return tracer.startSpan(`${method} ${route ?? "unmatched"}`, {
    kind: SpanKind.SERVER,
    attributes: { "http.request.method": method, "url.path": path, ...(route === undefined ? {} : { "http.route": route }) },
  });
}

/** Runs one plugin phase handler inside a child span of the request span; async handlers end it when they settle. */
export function tracePhase<T>(tracer: Tracer, parent: Span, plugin: string, phase: string, run: () => T): T {
  // Parented by explicit context: the runtime never relies on async context propagation per request.
  const span = tracer.startSpan(`${plugin} ${phase}`, { attributes: { "portcullis.plugin": plugin, "portcullis.phase": phase } }, trace.setSpan(ROOT_CONTEXT, parent));
  try {
    const result = run();
    if (typeof result === "object" && result !== null && typeof (result as { then?: unknown }).then === "function") {
      (result as unknown as Promise<unknown>).then(
        () => span.end(),
        (error: unknown) => {
          failSpan(span, error);
          span.end();
        },
      );
    } else span.end();
    return result;
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
}

export function failSpan(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (error instanceof Error) span.recordException(error);
}

export function endRequestSpan(span: Span, status: number): void {
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
