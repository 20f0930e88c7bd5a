import { relative } from "node:path";
import { parseArgs } from "node:util";
import { scaffoldPlugin } from "./scaffold.js";

const usage = `Usage: npm create portcullis-plugin <name> [options]

  <name>                 package name or folder: my-plugin, @acme/portcullis-plugin-geo
  --plugin-name NAME     the name gateway configs use (default: <name> without scope and "portcullis-plugin-")
  --priority N           higher runs first (default 800)
  --sdk SPECIFIER        the @portcullis/sdk devDependency (default the supported range)
  --force                write into a folder that is not empty
  -h, --help             show this help`;

export interface CliOutput {
  write(text: string): void;
}

/** The whole command line, with its output injected so that tests can run it in-process. Returns the exit code. */
export function runCli(argv: readonly string[], stdout: CliOutput, stderr: CliOutput, cwd: string = process.cwd()): number {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    stdout.write(`${usage}\n`);
    return 0;
  }
  const target = positionals[0];
  if (target === undefined || positionals.length > 1) {
    stderr.write(`${usage}\n`);
    return 2;
  }
  const priority = values.priority === undefined ? undefined : Number(values.priority);
  try {
    const result = scaffoldPlugin({
      target,
      cwd,
      ...(values["plugin-name"] === undefined ? {} : { pluginName: values["plugin-name"] }),
      ...(priority === undefined ? {} : { priority }),
      ...(values.sdk === undefined ? {} : { sdkSpecifier: values.sdk }),
      force: values.force === true,
    });
    const folder = relative(cwd, result.directory) || ".";
    stdout.write(
      `Created ${result.names.packageName} (plugin "${result.names.pluginName}") in ${folder}\n\n` +
        `  cd ${folder}\n  npm install\n  npm test\n  npm run build\n`,
    );
    return 0;
  } catch (error) {
    stderr.write(`create-portcullis-plugin: ${(error as Error).message}\n`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      "plugin-name": { type: "string" },
      priority: { type: "string" },
      sdk: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
