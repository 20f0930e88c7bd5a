#!/usr/bin/env node
import cluster from "node:cluster";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { GatewayError } from "@portcullis/sdk";
import { createAdminServer } from "./admin.js";
import { startDemo } from "./demo.js";
import { createGateway } from "./gateway.js";
import type { LogLevel } from "./logger.js";
import { listen, parseListen, serveGateway } from "./server.js";
import { listenerTlsFromConfig } from "./tls-from-config.js";
import { validateConfig } from "./validate.js";

const usage = `Usage: portcullis <command> [options]

Commands:
  start     -c FILE [--listen HOST:PORT] [--admin-listen HOST:PORT] [--watch] [--workers N]
            Run the gateway with a Kong-style declarative config (YAML or JSON).
  validate  -c FILE    Check a config; exit 0, or 1 with every error and its JSON path.
  demo      [--listen HOST:PORT] [--admin-listen HOST:PORT]
            Start a demo upstream behind the gateway (jwt + rate-limiting + cors) and print curl commands.

Options:
  -c, --config FILE        the declarative config file
      --listen HOST:PORT   proxy address (default 127.0.0.1:8000)
      --admin-listen ADDR  serve /status, /metrics and /config there (off by default; loopback recommended)
      --watch              reload when the config file changes (SIGHUP always reloads)
      --workers N          worker processes (default: the number of cores)
      --log-level LEVEL    debug, info, warn or error (default info)
      --no-access-log      do not write an access-log line per request
      --drain-timeout MS   how long shutdown waits for in-flight requests (default 10000)
      --tls-cert FILE      serve TLS with this PEM certificate (HTTP/2 and HTTP/1.1 by ALPN); needs --tls-key
      --tls-key FILE       the PEM private key of --tls-cert
  -h, --help               show this help
  -v, --version            print the version
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`portcullis: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        listen: { type: "string" },
        "admin-listen": { type: "string" },
        watch: { type: "boolean" },
        workers: { type: "string" },
        "log-level": { type: "string" },
        "no-access-log": { type: "boolean" },
        "drain-timeout": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    const manifest = await import("../package.json", { with: { type: "json" } });
    process.stdout.write(`${manifest.default.version}\n`);
    return;
  }
  const command = positionals[0];
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(usage);
    return;
  }
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!["debug", "info", "warn", "error"].includes(level)) fail(`invalid --log-level '${level}'`);
  const drainTimeout = values["drain-timeout"] === undefined ? 10_000 : Number(values["drain-timeout"]);
  if (!Number.isFinite(drainTimeout) || drainTimeout < 0) fail("invalid --drain-timeout");
  let listenAddress: ReturnType<typeof parseListen> | undefined;
  let adminAddress: ReturnType<typeof parseListen> | undefined;
  try {
    listenAddress = values.listen === undefined ? undefined : parseListen(values.listen);
    adminAddress = values["admin-listen"] === undefined ? undefined : parseListen(values["admin-listen"]);
  } catch (error) {
    fail((error as Error).message);
  }

  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) fail("--tls-cert and --tls-key go together");
  let tls: { key: Buffer; cert: Buffer } | undefined;
  try {
    tls = values["tls-cert"] === undefined ? undefined : { cert: readFileSync(values["tls-cert"]), key: readFileSync(values["tls-key"]!) };
  } catch (error) {
    fail(`cannot read the TLS files: ${(error as Error).message}`);
  }

  switch (command) {
    case "validate": {
      if (values.config === undefined) fail("validate needs -c FILE");
      const result = await validateConfig(values.config);
      if (result.ok) {
        process.stdout.write(`${values.config}: valid (${result.summary})\n`);
        return;
      }
      process.stderr.write(`${values.config}: invalid\n${result.issues.map((issue) => `  - ${issue.path || "(document)"}: ${issue.message}`).join("\n")}\n`);
      process.exit(1);
      break;
    }
    case "demo": {
      const demo = await startDemo({ listen: listenAddress, adminListen: adminAddress, logger: { level: level === "info" ? "warn" : level } });
      process.stdout.write(demo.banner);
      const stop = async () => {
        await demo.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      break;
    }
    case "start": {
      if (values.config === undefined) fail("start needs -c FILE");
      const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
      if (!Number.isInteger(workers) || workers < 1) fail("invalid --workers: expected a positive integer");
      if (workers > 1 && cluster.isPrimary) return runPrimary(workers, values.config, Boolean(values.watch), drainTimeout);
      await runWorker({
        config: values.config,
        listen: listenAddress ?? { host: "127.0.0.1", port: 8000 },
        admin: adminAddress,
        watch: Boolean(values.watch) && cluster.isPrimary,
        level,
        accessLog: !values["no-access-log"],
        drainTimeout,
        tls,
      });
      break;
    }
    default:
      fail(`unknown command '${command}'\n\n${usage}`);
  }
}

async function runWorker(options: {
  config: string;
  listen: { host: string; port: number };
  admin: { host: string; port: number } | undefined;
  watch: boolean;
  level: LogLevel;
  accessLog: boolean;
  drainTimeout: number;
  tls: { key: Buffer; cert: Buffer } | undefined;
}): Promise<void> {
  let gateway: Awaited<ReturnType<typeof createGateway>>;
  try {
    gateway = await createGateway({ config: options.config, logger: { level: options.level }, accessLog: options.accessLog });
  } catch (error) {
    fail(GatewayError.is(error) ? error.message : String(error), 1);
  }
  // --tls-cert/--tls-key win; otherwise the config's certificates (read at start: a reload does not re-key the listener).
  const running = await serveGateway(gateway, options.listen, undefined, { tls: options.tls ?? listenerTlsFromConfig(gateway.config().certificates) });
  const admin = options.admin === undefined ? undefined : createAdminServer(gateway, { status: () => ({ pid: process.pid }) });
  const adminBound = admin === undefined ? undefined : await listen(admin, options.admin!);
  gateway.logger.info("gateway listening", {
    address: `${running.address.host}:${running.address.port}`,
    admin: adminBound === undefined ? undefined : `${adminBound.host}:${adminBound.port}`,
    pid: process.pid,
  });
  gateway.logger.flush();
  if (cluster.isWorker) process.send?.({ type: "listening", address: running.address });

  let reloading: Promise<void> = Promise.resolve();
  const reload = (reason: string) => {
    reloading = reloading.then(async () => {
      try {
        await gateway.reload();
        gateway.logger.info("reloaded", { reason });
        if (cluster.isWorker) process.send?.({ type: "reloaded", ok: true });
      } catch {
        // reload() already logged every issue; the old config keeps serving.
        if (cluster.isWorker) process.send?.({ type: "reloaded", ok: false });
      }
    });
  };
  let watcher: FSWatcher | undefined;
  if (options.watch) {
    const file = resolve(options.config);
    let timer: NodeJS.Timeout | undefined;
    // Watch the folder: editors replace files by rename, which ends a watch on the file itself.
    watcher = watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => reload("file changed"), 150);
    });
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    watcher?.close();
    gateway.logger.info("shutting down: draining in-flight requests", { signal, timeoutMs: options.drainTimeout });
    await running.close(options.drainTimeout);
    await new Promise<void>((resolve) => (admin === undefined ? resolve() : admin.close(() => resolve())));
    admin?.closeAllConnections();
    gateway.logger.info("stopped");
    gateway.logger.flush();
    process.exit(0);
  };
  process.on("SIGHUP", () => reload("SIGHUP"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  if (cluster.isWorker) {
    process.on("message", (message: { type?: string }) => {
      if (message?.type === "reload") reload("primary");
      if (message?.type === "shutdown") void stop("primary");
    });
  }
}

/** One worker per core (node:cluster): reload and shutdown are relayed to every worker; a crashed worker restarts. */
async function runPrimary(count: number, config: string, watchConfig: boolean, drainTimeout: number): Promise<void> {
  const validation = await validateConfig(config);
  if (!validation.ok) {
    process.stderr.write(`${config}: invalid\n${validation.issues.map((issue) => `  - ${issue.path || "(document)"}: ${issue.message}`).join("\n")}\n`);
    process.exit(1);
  }
  let stopping = false;
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", message, role: "primary", ...fields })}\n`);
  cluster.setupPrimary({ args: process.argv.slice(2) });
  for (let index = 0; index < count; index++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    log("worker exited; starting a replacement", { pid: worker.process.pid, code, signal });
    cluster.fork();
  });
  const broadcast = (type: string) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send({ type });
  };
  process.on("SIGHUP", () => {
    log("reloading every worker");
    broadcast("reload");
  });
  if (watchConfig) {
    const file = resolve(config);
    let timer: NodeJS.Timeout | undefined;
    watch(dirname(file), (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(() => broadcast("reload"), 150);
    });
  }
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("shutting down every worker", { signal });
    broadcast("shutdown");
    const deadline = setTimeout(() => process.exit(0), drainTimeout + 5_000);
    deadline.unref();
    const check = () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    };
    cluster.on("exit", check);
    check();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  fail(GatewayError.is(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error), 1);
});
