import type { PluginNames } from "./naming.js";

/** The `@portcullis/sdk` range a new plugin targets; a test keeps it in step with the SDK's own version. */
export const sdkVersionRange = "^0.1.0";

export interface TemplateOptions {
  readonly names: PluginNames;
  readonly priority: number;
  /** What the scaffold's devDependency on `@portcullis/sdk` points at: a range, or a `file:` path in tests. */
  readonly sdkSpecifier: string;
}

/** One generated file: its path inside the package and its text. */
export interface TemplateFile {
  readonly path: string;
  readonly text: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function packageJson({ names, sdkSpecifier }: TemplateOptions): string {
  return json({
    name: names.packageName,
    version: "0.1.0",
    description: `The ${names.pluginName} plugin for the Portcullis API gateway.`,
    keywords: ["portcullis", "portcullis-plugin", "api-gateway"],
    license: "MIT",
    type: "module",
    engines: { node: ">=20.18" },
    sideEffects: false,
    exports: {
      ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
      "./package.json": "./package.json",
    },
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    files: ["dist", "README.md"],
    scripts: {
      build: "tsup",
      test: "vitest run",
      typecheck: "tsc --noEmit",
      prepublishOnly: "npm run typecheck && npm test && npm run build",
    },
    peerDependencies: { "@portcullis/sdk": sdkVersionRange },
    devDependencies: {
      "@portcullis/sdk": sdkSpecifier,
      "@types/node": "^20.19.0",
      tsup: "^8.5.0",
      typescript: "~5.9.3",
      vitest: "^4.1.0",
    },
  });
}

const tsconfigJson = json({
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    esModuleInterop: true,
    skipLibCheck: true,
    declaration: true,
    noEmit: true,
    types: ["node"],
  },
  include: ["src"],
});

const tsupConfig = `import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
`;

const vitestConfig = `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["src/**/*.test.ts"], testTimeout: 10_000 },
});
`;

const gitignore = "node_modules/\ndist/\n*.tgz\n";

/** The config fields, once: the schema and the README table are both written from this list. */
function configFields({ names }: TemplateOptions) {
  return [
    {
      name: "header_name",
      schema: `{ type: "string", minLength: 1, default: "x-${names.pluginName}", description: "The request header sent upstream." }`,
      type: "string",
      defaultText: `\`"x-${names.pluginName}"\``,
      description: "The request header sent upstream.",
    },
    {
      name: "header_value",
      schema: `{ type: "string", description: "Its value. Required." }`,
      type: "string",
      defaultText: "required",
      description: "Its value.",
    },
    {
      name: "blocked_methods",
      schema: `{\n      type: "array",\n      items: { type: "string" },\n      default: [],\n      description: "Methods answered with 405 before anything is proxied.",\n    }`,
      type: "string[]",
      defaultText: "`[]`",
      description: "Methods answered with 405 before anything is proxied.",
    },
  ];
}

function schemaSource(options: TemplateOptions): string {
  const properties = configFields(options)
    .map((field) => `    ${field.name}: ${field.schema},`)
    .join("\n");
  return `import type { JsonSchema } from "@portcullis/sdk";

/**
 * The plugin's config, as JSON Schema. The gateway validates it with ajv at load (defaults applied), and
 * \`definePlugin\` infers the config type from it, so \`create(config)\` is fully typed. \`as const\` keeps the literal
 * types that inference needs.
 */
export const configSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
${properties}
  },
  required: ["header_value"],
} as const satisfies JsonSchema;
`;
}

function pluginSource({ names, priority }: TemplateOptions): string {
  return `import { definePlugin } from "@portcullis/sdk";
import { configSchema } from "./schema.js";

export default definePlugin({
  name: ${JSON.stringify(names.pluginName)},
  version: "0.1.0",
  // Higher runs first: auth plugins sit near 1000, rate limiting at 910, cors at 2000.
  priority: ${priority},
  configSchema,
  create(config) {
    // Runs once per configured instance, at load: precompute here, never per request.
    const blocked = new Set(config.blocked_methods.map((method) => method.toUpperCase()));
    return {
      access(ctx) {
        // An exit skips the remaining access handlers and the upstream; headerFilter and log still run.
        if (blocked.has(ctx.request.method)) return ctx.error(405);
        ctx.upstream.setHeader(config.header_name, config.header_value);
      },
      headerFilter(ctx) {
        // Runs for every response: upstream, exit and error alike.
        ctx.response.setHeader(\`\${config.header_name}-status\`, String(ctx.response.status));
      },
    };
  },
});
`;
}

const indexSource = `import plugin from "./plugin.js";

export default plugin;
export { configSchema } from "./schema.js";
`;

function testSource({ names }: TemplateOptions): string {
  const header = `x-${names.pluginName}`;
  return `import { readFileSync } from "node:fs";
import { runPlugin } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import plugin from "./plugin.js";
import { configSchema } from "./schema.js";

describe(${JSON.stringify(names.pluginName)}, () => {
  it("sends the configured header upstream", async () => {
    const result = await runPlugin(plugin, { config: { header_value: "hello" }, request: { path: "/orders" } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers[${JSON.stringify(header)}]).toBe("hello");
    expect(result.headers[${JSON.stringify(`${header}-status`)}]).toBe("200");
  });

  it("answers a blocked method with 405, skips the upstream, and still runs headerFilter", async () => {
    const result = await runPlugin(plugin, {
      config: { header_value: "hello", blocked_methods: ["delete"] },
      request: { method: "DELETE", path: "/orders/1" },
    });
    expect(result.status).toBe(405);
    expect(result.source).toBe("error");
    expect(result.upstreamRequest).toBeUndefined();
    expect(result.headers[${JSON.stringify(`${header}-status`)}]).toBe("405");
  });

  it("refuses a config without header_value at load", async () => {
    await expect(runPlugin(plugin, { config: {} })).rejects.toThrow(/header_value/);
  });

  it.each(Object.keys(configSchema.properties))("documents config field %s in the README", (field) => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(\`| \\\`\${field}\\\` |\`);
  });
});
`;
}

function readme(options: TemplateOptions): string {
  const { names } = options;
  const rows = configFields(options)
    .map((field) => `| \`${field.name}\` | ${field.type} | ${field.defaultText} | ${field.description} |`)
    .join("\n");
  return `# ${names.packageName}

The \`${names.pluginName}\` plugin for the [Portcullis](https://github.com/portcullis/portcullis) API gateway.

## Install

\`\`\`sh
npm install ${names.packageName}
\`\`\`

It takes \`@portcullis/sdk\` as a peer dependency; \`@portcullis/runtime\` brings it.

## Use

\`\`\`yaml
# gateway.yaml
_format_version: "3.0"
services:
  - name: orders
    url: http://127.0.0.1:3000
    routes:
      - name: orders
        paths: [/orders]
plugins:
  - name: ${names.packageName}
    config:
      header_value: hello
\`\`\`

\`\`\`sh
npx portcullis validate -c gateway.yaml
\`\`\`

## Config

| field | type | default | description |
|---|---|---|---|
${rows}

## Develop

\`\`\`sh
npm test            # vitest, through the @portcullis/sdk/testing harness: no sockets
npm run typecheck   # tsc --noEmit
npm run build       # tsup: dist/index.js and dist/index.d.ts
\`\`\`
`;
}

/** Every file of a new plugin package. */
export function pluginTemplate(options: TemplateOptions): readonly TemplateFile[] {
  return [
    { path: "package.json", text: packageJson(options) },
    { path: "tsconfig.json", text: tsconfigJson },
    { path: "tsup.config.ts", text: tsupConfig },
    { path: "vitest.config.ts", text: vitestConfig },
    { path: ".gitignore", text: gitignore },
    { path: "README.md", text: readme(options) },
    { path: "src/schema.ts", text: schemaSource(options) },
    { path: "src/plugin.ts", text: pluginSource(options) },
    { path: "src/plugin.test.ts", text: testSource(options) },
    { path: "src/index.ts", text: indexSource },
  ];
}
