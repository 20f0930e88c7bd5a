import { defineErrorCode } from "@portcullis/sdk";

/**
 * The runtime's error registry. Every code is documented in the package README (a test keeps the two in sync).
 * Statuses are what a client sees when the error ends a request; load-time errors use 500 but never reach a client.
 */
export const runtimeErrors = {
  /** The config document is invalid; the message lists every issue with its JSON path. */
  CONFIG_INVALID: defineErrorCode("PC_ERR_CONFIG_INVALID", "invalid config%s:\n%s", 500),
  /** A plugin name is neither bundled, registered, nor an importable module. */
  PLUGIN_NOT_FOUND: defineErrorCode("PC_ERR_PLUGIN_NOT_FOUND", "%s", 500),
  /** A plugin module has no default export made by definePlugin. */
  PLUGIN_INVALID: defineErrorCode("PC_ERR_PLUGIN_INVALID", "%s", 500),
  /** A plugin was built against another major version of the plugin API. */
  PLUGIN_API_MISMATCH: defineErrorCode("PC_ERR_PLUGIN_API_MISMATCH", "%s", 500),
  /** Two different plugin objects claim the same name. */
  PLUGIN_DUPLICATE_NAME: defineErrorCode("PC_ERR_PLUGIN_DUPLICATE_NAME", "%s", 500),
  /** A plugin's `create` threw at load. */
  PLUGIN_CREATE_FAILED: defineErrorCode("PC_ERR_PLUGIN_CREATE_FAILED", "%s", 500),
  /** A request path could not be normalised (bad escape, NUL, control character). */
  BAD_REQUEST_PATH: defineErrorCode("PC_ERR_BAD_REQUEST_PATH", "Bad request", 400),
  /** No route matched the request. */
  ROUTE_NOT_FOUND: defineErrorCode("PC_ERR_ROUTE_NOT_FOUND", "no Route matched with those values", 404),
  /** A route matched but has no service. */
  SERVICE_NOT_FOUND: defineErrorCode("PC_ERR_SERVICE_NOT_FOUND", "no Service found with those values", 503),
  /** The upstream refused or dropped the connection, or sent an invalid response. */
  UPSTREAM_CONNECT: defineErrorCode("PC_ERR_UPSTREAM_CONNECT", "An invalid response was received from the upstream server", 502),
  /** The upstream did not answer within the service's timeouts. */
  UPSTREAM_TIMEOUT: defineErrorCode("PC_ERR_UPSTREAM_TIMEOUT", "The upstream server is timing out", 504),
  /** The upstream reset the connection mid-request. */
  UPSTREAM_RESET: defineErrorCode("PC_ERR_UPSTREAM_RESET", "An invalid response was received from the upstream server", 502),
  /** No healthy target is left in the service's upstream. */
  UPSTREAM_UNAVAILABLE: defineErrorCode("PC_ERR_UPSTREAM_UNAVAILABLE", "The upstream server is currently unavailable", 503),
  /** A plugin handler threw during a phase. */
  PHASE_HANDLER_FAILED: defineErrorCode("PC_ERR_PHASE_HANDLER_FAILED", "An unexpected error occurred", 500),
  /** A context method was used in a phase that does not allow it (e.g. `respond` in log). */
  PHASE_NOT_ALLOWED: defineErrorCode("PC_ERR_PHASE_NOT_ALLOWED", "%s is not allowed in the %s phase", 500),
  /** The gateway is shutting down and no longer accepts requests. */
  SHUTTING_DOWN: defineErrorCode("PC_ERR_SHUTTING_DOWN", "The gateway is shutting down", 503),
} as const;
