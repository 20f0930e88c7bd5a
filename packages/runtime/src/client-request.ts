import type { IncomingMessage } from "node:http";
import { type BodyOptions, type ClientRequest, type HeaderRecord, sdkErrors } from "@portcullis/sdk";
import { firstValue } from "./headers.js";

type QueryValue = string | true | (string | true)[];

function decodeComponent(text: string): string {
  if (!text.includes("%") && !text.includes("+")) return text;
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

/** Most requests have no query: they all share one frozen empty record (the type is read-only already). */
const emptyQuery: Record<string, QueryValue> = Object.freeze(Object.create(null));

export function parseQuery(rawQuery: string): Record<string, QueryValue> {
  if (rawQuery === "") return emptyQuery;
  const query: Record<string, QueryValue> = Object.create(null);
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value: string | true = equals === -1 ? true : decodeComponent(pair.slice(equals + 1));
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

export interface BodySource {
  /** Buffers the body once; later calls get the same bytes. */
  readBody(limit: number): Promise<Buffer>;
}

/** The client's request as plugins see it. Parsing (query, host) happens on first use only. */
export class ClientRequestView implements ClientRequest {
  #query: Record<string, QueryValue> | undefined;
  #host: string | undefined;
  #port: number | undefined;

  constructor(
    private readonly incoming: IncomingMessage,
    readonly method: string,
    readonly path: string,
    readonly rawPath: string,
    readonly rawQuery: string,
    readonly scheme: "http" | "https",
    private readonly bodySource: BodySource,
  ) {}

  get headers(): HeaderRecord {
    return this.incoming.headers;
  }

  header(name: string): string | undefined {
    return firstValue(this.incoming.headers[name.toLowerCase()]);
  }

  get query(): Record<string, QueryValue> {
    this.#query ??= parseQuery(this.rawQuery);
    return this.#query;
  }

  get httpVersion(): string {
    const version = this.incoming.httpVersion;
    return version.includes(".") ? version : `${version}.0`;
  }

  get clientIp(): string {
    return this.incoming.socket.remoteAddress ?? "";
  }

  get host(): string {
    if (this.#host === undefined) this.#parseHost();
    return this.#host!;
  }

  get port(): number {
    if (this.#port === undefined) this.#parseHost();
    return this.#port!;
  }

  #parseHost(): void {
    const raw = (this.incoming.headers.host ?? "").toLowerCase();
    const bracket = raw.startsWith("[") ? raw.indexOf("]") : -1;
    const colon = raw.indexOf(":", bracket === -1 ? 0 : bracket);
    this.#host = colon === -1 ? raw : raw.slice(0, colon);
    const port = colon === -1 ? Number.NaN : Number(raw.slice(colon + 1));
    this.#port = Number.isInteger(port) ? port : (this.incoming.socket.localPort ?? (this.scheme === "https" ? 443 : 80));
  }

  body(options?: BodyOptions): Promise<Buffer> {
    return this.bodySource.readBody(options?.limit ?? 1024 * 1024);
  }
}

/**
 * Reads a request body up to `limit` bytes; past it, rejects with a 413 GatewayError. The bytes are put back into the
 * request stream before its `end` event, so whoever reads the request next (an embedding host app, a body parser)
 * still gets the whole body: the gateway looks at the body, it does not take it.
 */
export function bufferBody(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(incoming.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(sdkErrors.BODY_TOO_LARGE());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off("readable", onReadable);
      incoming.off("error", onFailure);
      incoming.off("aborted", onFailure);
      incoming.off("end", onEnd);
    };
    const finish = () => {
      cleanup();
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      if (body.length > 0) incoming.unshift(body);
      resolve(body);
    };
    const onReadable = () => {
      for (;;) {
        // The message is complete and nothing is buffered: stop before read() would emit `end`.
        if (incoming.complete && incoming.readableLength === 0) return finish();
        const chunk = incoming.read() as Buffer | null;
        if (chunk === null) return;
        size += chunk.length;
        if (size > limit) {
          cleanup();
          reject(sdkErrors.BODY_TOO_LARGE());
          return;
        }
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      // Only reached when the body was already read to its end before we looked: nothing left to put back.
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onFailure = () => {
      cleanup();
      reject(sdkErrors.BODY_ABORTED());
    };
    incoming.on("readable", onReadable);
    incoming.on("error", onFailure);
    incoming.on("aborted", onFailure);
    incoming.on("end", onEnd);
    onReadable();
  });
}
