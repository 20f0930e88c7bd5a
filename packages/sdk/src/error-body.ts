/**
 * Kong's `kong.response.error` bodies: the format is negotiated from the request's `Accept` header, and every
 * template carries the request id. Shared by the runtime and the test harness so that both produce the same bytes.
 */
export interface ErrorBody {
  readonly body: string;
  readonly contentType: string;
}

/** Kong's default message per status, used when `ctx.error(status)` is given no message. */
export const defaultErrorMessages: Readonly<Record<number, string>> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  406: "Not acceptable",
  407: "Proxy authentication required",
  408: "Request timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length required",
  412: "Precondition failed",
  413: "Payload too large",
  414: "URI too long",
  415: "Unsupported media type",
  416: "Range not satisfiable",
  417: "Expectation failed",
  418: "I'm a teapot",
  421: "Misdirected request",
  422: "Unprocessable entity",
  425: "Too early",
  426: "Upgrade required",
  428: "Precondition required",
  429: "Too many requests",
  431: "Request header fields too large",
  451: "Unavailable for legal reasons",
  494: "Request header or cookie too large",
  500: "An unexpected error occurred",
  501: "Not implemented",
  502: "An invalid response was received from the upstream server",
  503: "The upstream server is currently unavailable",
  504: "The upstream server is timing out",
  505: "HTTP version not supported",
};

export function defaultErrorMessage(status: number): string {
  return defaultErrorMessages[status] ?? (status >= 500 ? "An unexpected error occurred" : "Bad request");
}

function escapeJsonString(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function escapeMarkup(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

const jsonType = "application/json; charset=utf-8";

function preferredFormat(accept: string | undefined): "json" | "html" | "xml" | "text" {
  if (accept === undefined || accept === "" || accept.includes("application/json")) return "json";
  let best: "json" | "html" | "xml" | "text" = "json";
  let bestQuality = -1;
  for (const part of accept.split(",")) {
    const [rawType, ...parameters] = part.split(";");
    const type = rawType?.trim().toLowerCase() ?? "";
    let quality = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split("=");
      if (name?.trim() === "q" && value !== undefined) quality = Number.parseFloat(value) || 0;
    }
    const format =
      type === "text/html"
        ? "html"
        : type === "application/xml" || type === "text/xml"
          ? "xml"
          : type === "text/plain"
            ? "text"
            : type === "application/json" || type.endsWith("+json")
              ? "json"
              : undefined;
    if (format !== undefined && quality > bestQuality) {
      best = format;
      bestQuality = quality;
    }
  }
  return best;
}

/** Renders Kong's error template for `message`, in the format the `Accept` header prefers (JSON by default). */
export function renderErrorBody(message: string, requestId: string, accept?: string): ErrorBody {
  switch (preferredFormat(accept)) {
    case "text":
      return { body: `${message}\nrequest_id: ${requestId}\n`, contentType: "text/plain; charset=utf-8" };
    case "html":
      return {
        body: `<!doctype html>\n<html>\n  <head>\n    <meta charset="utf-8">\n    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>${escapeMarkup(message)}.</p>\n    <p>request_id: ${escapeMarkup(requestId)}</p>\n  </body>\n</html>\n`,
        contentType: "text/html; charset=utf-8",
      };
    case "xml":
      return {
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<error>\n  <message>${escapeMarkup(message)}</message>\n  <requestid>${escapeMarkup(requestId)}</requestid>\n</error>\n`,
        contentType: "application/xml; charset=utf-8",
      };
    default:
      return {
        body: `{\n  "message":"${escapeJsonString(message)}",\n  "request_id":"${escapeJsonString(requestId)}"\n}`,
        contentType: jsonType,
      };
  }
}

/**
 * Kong's `kong.response.exit` body encoding: a string or Buffer is sent as is; anything else is compact JSON.
 * Returns the bytes and the content type to use when the caller did not set one.
 */
export function encodeExitBody(body: unknown): { body: Buffer; contentType: string | undefined } {
  if (body === undefined || body === null) return { body: Buffer.alloc(0), contentType: undefined };
  if (Buffer.isBuffer(body)) return { body, contentType: undefined };
  if (body instanceof Uint8Array) return { body: Buffer.from(body), contentType: undefined };
  if (typeof body === "string") return { body: Buffer.from(body), contentType: undefined };
  return { body: Buffer.from(JSON.stringify(body)), contentType: jsonType };
}
