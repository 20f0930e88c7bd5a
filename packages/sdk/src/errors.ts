const errorBrand = Symbol.for("portcullis.error");

export interface GatewayErrorOptions {
  readonly cause?: unknown;
  /** Structured detail for logs; never sent to clients. */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * Whether the message may be shown to the client. Defaults to true below 500: a 4xx message describes the
   * client's own mistake, a 5xx message may describe our internals.
   */
  readonly expose?: boolean;
}

/**
 * An error with a stable `code`, an HTTP `status` and a message. Thrown by the runtime and by plugins.
 *
 * Recognise it with `GatewayError.is(value)`, never `instanceof`: a plugin installed from npm may bring its own copy
 * of this package, and the brand (`Symbol.for("portcullis.error")`) is shared across copies.
 */
export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, status = 500, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = status;
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
  }

  get [errorBrand](): true {
    return true;
  }

  /** True for any GatewayError, from any copy of `@portcullis/sdk`. */
  static is(value: unknown): value is GatewayError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[errorBrand] === true;
  }
}

/** A factory for one error code: call it with the message's `%s` arguments. */
export interface ErrorCode<Args extends unknown[] = string[]> {
  (...args: Args): GatewayError;
  readonly code: string;
  readonly status: number;
  readonly template: string;
}

/**
 * Declares one error code of a registry. `%s` placeholders in the template are filled in order.
 *
 * @example
 * const TOKEN_MISSING = defineErrorCode("PC_JWT_TOKEN_MISSING", "Unauthorized", 401);
 * throw TOKEN_MISSING();
 */
export function defineErrorCode(code: string, template: string, status: number): ErrorCode<string[]> {
  const factory = (...args: string[]) => {
    let index = 0;
    const message = template.replace(/%s/g, () => String(args[index++] ?? ""));
    return new GatewayError(code, message, status);
  };
  return Object.assign(factory, { code, status, template });
}

/**
 * The SDK's own error registry. Every code is documented in the package README.
 */
export const sdkErrors = {
  /** A plugin definition is not valid: missing name, bad priority, no `create`. */
  PLUGIN_INVALID: defineErrorCode("PC_ERR_PLUGIN_INVALID", "invalid plugin definition: %s", 500),
  /** `ctx.respond()` or `ctx.error()` was called with a status outside its range. */
  STATUS_INVALID: defineErrorCode("PC_ERR_STATUS_INVALID", "%s", 500),
  /** `ctx.respond()` was called after the response was already decided. */
  RESPONSE_ALREADY_SET: defineErrorCode("PC_ERR_RESPONSE_ALREADY_SET", "the response was already set by %s", 500),
  /** `ctx.authenticate()` was called with neither a consumer nor a credential. */
  AUTHENTICATE_ARGUMENTS: defineErrorCode(
    "PC_ERR_AUTHENTICATE_ARGUMENTS",
    "either credential or consumer must be provided",
    500,
  ),
  /** A request body exceeded the limit a plugin asked for with `ctx.request.body({ limit })`. */
  BODY_TOO_LARGE: defineErrorCode("PC_ERR_BODY_TOO_LARGE", "Request body too large", 413),
  /** The client went away while its body was being read. */
  BODY_ABORTED: defineErrorCode("PC_ERR_BODY_ABORTED", "Request body aborted", 400),
  /** A plugin handler threw something that is not a GatewayError. */
  UNEXPECTED: defineErrorCode("PC_ERR_UNEXPECTED", "An unexpected error occurred", 500),
} as const;
