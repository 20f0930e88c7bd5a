export { derivePluginNames, type PluginNames } from "./naming.js";
export { type ScaffoldOptions, type ScaffoldResult, scaffoldPlugin } from "./scaffold.js";
export { pluginTemplate, sdkVersionRange, type TemplateFile, type TemplateOptions } from "./templates.js";
export { type CliOutput, runCli } from "./run-cli.js";
