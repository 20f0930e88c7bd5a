export type {
  AccessContext,
  BodyFilterContext,
  BodyOptions,
  ClientRequest,
  Consumer,
  Credential,
  Exit,
  HeaderFilterContext,
  HeaderRecord,
  HeaderValue,
  LogContext,
  Logger,
  MutableResponse,
  PendingResponse,
  Phase,
  PluginState,
  ResponseSource,
  ResponseView,
  RouteInfo,
  ServiceInfo,
  SharedState,
  Timings,
  UpstreamRequest,
} from "./context.js";
export { definePlugin, isPlugin } from "./define-plugin.js";
export { defaultErrorMessage, defaultErrorMessages, encodeExitBody, type ErrorBody, renderErrorBody } from "./error-body.js";
export { defineErrorCode, type ErrorCode, GatewayError, type GatewayErrorOptions, sdkErrors } from "./errors.js";
export type { InferConfig, JsonSchema, JsonSchemaObject, JsonSchemaType } from "./json-schema.js";
export {
  API_VERSION,
  type BodyChunk,
  type ConfigIssue,
  type CredentialCollection,
  type MaybePromise,
  type Plugin,
  type PluginDefinition,
  type PluginInstance,
  type PluginScope,
  type PluginSetup,
  pluginBrand,
} from "./plugin.js";
export { consumerHeaderNames, removeConsumerHeaders, setConsumerHeaders } from "./consumer-headers.js";
