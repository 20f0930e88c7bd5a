// Every target takes `--listen HOST:PORT --upstream URL` and prints "listening" once it accepts connections.
import { parseArgs } from "node:util";

export function targetArguments() {
  const { values } = parseArgs({
    options: {
      listen: { type: "string" },
      upstream: { type: "string" },
      config: { type: "string" },
      "chain-headers": { type: "boolean" },
      plugins: { type: "boolean" },
    },
    allowPositionals: true,
  });
  if (values.listen === undefined) throw new Error("--listen HOST:PORT is required");
  const separator = values.listen.lastIndexOf(":");
  return {
    host: values.listen.slice(0, separator),
    port: Number(values.listen.slice(separator + 1)),
    upstream: values.upstream,
    config: values.config,
    /** The pass-through: also send what the jwt + rate-limiting + cors chain adds (gateway-configs.mjs). */
    chainHeaders: values["chain-headers"] === true,
    /** fastify: also run @fastify/jwt, @fastify/rate-limit and @fastify/cors, the peer doing the chain's work. */
    plugins: values.plugins === true,
  };
}

export function announce(address) {
  process.stdout.write(`listening ${address.host}:${address.port}\n`);
}

/** A clean exit on SIGTERM, so that --cpu-prof (if given) writes its profile. */
export function exitOnSignal(close) {
  const stop = () => {
    Promise.resolve(close?.()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
