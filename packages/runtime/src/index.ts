export { createAdminServer, redact, redactedConfig } from "./admin.js";
export type * from "./config/types.js";
export { type Demo, type DemoCommand, demoConfigPath, startDemo } from "./demo.js";
export { runtimeErrors } from "./errors.js";
export {
  type ConfigInput,
  type ConnectMiddleware,
  configError,
  createGateway,
  type EmbedOptions,
  type Gateway,
  type GatewayOptions,
  type GatewayStatus,
  type RequestListener,
} from "./gateway.js";
export { createLogger, type LoggerOptions, type LogLevel, type LogSink, type RuntimeLogger, silentLogger } from "./logger.js";
export { Metrics } from "./metrics.js";
export { bundledPlugins } from "./plugin-loader.js";
export { createHttpServer, type ListenAddress, listen, parseListen, type RunningGateway, serveGateway, type ServerTimeouts } from "./server.js";
export { listenerTlsFromConfig } from "./tls-from-config.js";
export { type ValidationResult, validateConfig } from "./validate.js";
