// Micro-benchmarks of the gateway's parts, on the built packages. Run pinned (`taskset -c 1 node bench/micro.mjs`);
// `pnpm bench` does that and puts the table into docs/benchmarks.md. `--json FILE` writes the results as JSON.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { benchHmacHeaders, benchToken, rateLimitingConfig } from "./lib/gateway-configs.mjs";
import { inMemoryRequest } from "./lib/in-memory-request.mjs";
import { accessContext, createInstance } from "./lib/plugin-instance.mjs";
import { freePort, startPinned, stopProcess } from "./lib/processes.mjs";
import { measureOperation, measurePair } from "./lib/sampler.mjs";
import { ensureBuild, importWorkspace } from "./lib/setup.mjs";

const { values } = parseArgs({ options: { json: { type: "string" }, quick: { type: "boolean" } } });
ensureBuild();

const { createGateway } = await importWorkspace("packages/runtime/dist/index.js");
const { definePlugin } = await importWorkspace("packages/sdk/dist/index.js");
const { default: hmacAuth, signKongRequest } = await importWorkspace("packages/plugin-hmac/dist/index.js");
const { default: jwt } = await importWorkspace("packages/plugin-jwt/dist/index.js");
const { default: rateLimiting } = await importWorkspace("packages/plugin-ratelimit/dist/index.js");

const sampling = values.quick ? { warmupMs: 200, sampleMs: 200, samples: 3 } : { warmupMs: 300, sampleMs: 400, samples: 5 };
const results = [];
const notes = [];

async function record(group, name, operation, options = {}) {
  const measured = await measureOperation(operation, { ...sampling, ...options });
  const row = { group, name, concurrency: options.concurrency ?? 1, ...measured };
  results.push(row);
  process.stderr.write(`[micro] ${name}: ${Math.round(row.opsPerSecond).toLocaleString("en")} ops/s, ${row.microsecondsPerOperation.toFixed(2)} µs/op\n`);
  return row;
}

function plugin(name, phases, priority) {
  const handlers = {};
  if (phases.includes("access")) handlers.access = () => undefined;
  if (phases.includes("headerFilter")) handlers.headerFilter = () => undefined;
  if (phases.includes("bodyFilter")) handlers.bodyFilter = () => undefined;
  if (phases.includes("log")) handlers.log = () => undefined;
  return definePlugin({
    name,
    version: "1.0.0",
    priority,
    configSchema: { type: "object", properties: {}, additionalProperties: false },
    create: () => handlers,
  });
}

function answer(_request, response) {
  response.writeHead(200, { "content-type": "text/plain", "content-length": "3" });
  response.end("ok\n");
}

/** An in-memory request (light-my-request, no socket) through `gateway.middleware()` in front of `answer`. */
async function middlewareTarget(config, plugins = []) {
  const gateway = await createGateway({ config, plugins, logger: false, accessLog: false });
  const middleware = gateway.middleware();
  // An error handed to next() fails the benchmark (inMemoryRequest rejects on the response's error event).
  const dispatch = (request, response) =>
    middleware(request, response, (error) => (error === undefined ? answer(request, response) : response.emit("error", error)));
  return { gateway, dispatch };
}

async function okThrough(dispatch, url) {
  const status = await inMemoryRequest(dispatch, { url });
  if (status !== 200) throw new Error(`${url}: status ${status}`);
}

/** A difference between two setups, as µs per unit (a plugin, a route table), measured in alternation. */
async function recordPair(group, name, baseline, variant, units = 1) {
  const measured = await measurePair(baseline, variant, sampling);
  const row = {
    group,
    name,
    concurrency: 1,
    baselineMicroseconds: measured.baseline.microsecondsPerOperation,
    variantMicroseconds: measured.variant.microsecondsPerOperation,
    differenceMicroseconds: measured.differenceMicroseconds / units,
  };
  results.push(row);
  process.stderr.write(`[micro] ${name}: ${row.baselineMicroseconds.toFixed(2)} → ${row.variantMicroseconds.toFixed(2)} µs/op, +${row.differenceMicroseconds.toFixed(3)} µs\n`);
  return row;
}

// 1. Chain overhead. The baseline is the embedded exchange with one no-op access plugin (with none, the middleware
// creates no exchange at all); each variant adds 50 no-op plugins that run in one phase only, measured in
// alternation with the baseline. The difference divided by 50 is what one plugin costs in that phase.
const pluginsPerVariant = 50;

/** One group of micro-benchmarks; a failure is recorded in the results and the others still run. */
async function group(name, body) {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`[micro] ${name} failed: ${error.stack ?? error}\n`);
    notes.push({ group: name, failed: String(error.message ?? error).split("\n")[0] });
  }
}

await group("chain", async () => {
  const phases = ["access", "headerFilter", "bodyFilter", "log"];
  const bare = await record("chain", "in-memory request, no middleware (harness floor)", () => inMemoryRequest(answer, { url: "/api/hello" }));
  const base = await middlewareTarget({ _format_version: "3.0", plugins: [{ name: "noop-base" }] }, [plugin("noop-base", ["access"], 5000)]);
  const baseline = await record("chain", "middleware, 1 no-op access plugin (baseline)", () => okThrough(base.dispatch, "/api/hello"));
  notes.push({ group: "chain", name: "embedded exchange fixed cost", microseconds: baseline.microsecondsPerOperation - bare.microsecondsPerOperation });
  for (const phase of [...phases, "all four"]) {
    const slug = phase === "all four" ? "all" : phase.toLowerCase();
    const extra = Array.from({ length: pluginsPerVariant }, (_, index) => plugin(`noop-${slug}-${index}`, phase === "all four" ? phases : [phase], 1000 + index));
    const target = await middlewareTarget(
      { _format_version: "3.0", plugins: [{ name: "noop-base" }, ...extra.map((entry) => ({ name: entry.name }))] },
      [plugin("noop-base", ["access"], 5000), ...extra],
    );
    await recordPair(
      "chain",
      `+${pluginsPerVariant} no-op plugins with ${phase === "all four" ? "all four phases" : `only ${phase}`}, per plugin`,
      () => okThrough(base.dispatch, "/api/hello"),
      () => okThrough(target.dispatch, "/api/hello"),
      pluginsPerVariant,
    );
    await target.gateway.close();
  }
  await base.gateway.close();
});

// 2. Router match: compileRouter is not exported from @portcullis/runtime, so it is measured through the
// middleware (normalisation, route match, chain selection), 200 routes against 1, with paths that hit the match
// cache and paths it has never seen.
await group("router", async () => {
  const noop = plugin("noop-base", ["access"], 5000);
  const many = [];
  for (let index = 0; index < 150; index++) many.push({ name: `prefix-${index}`, paths: [`/svc-${index}/v1`] });
  for (let index = 0; index < 30; index++) many.push({ name: `method-${index}`, paths: [`/m-${index}`], methods: ["GET", "POST"] });
  for (let index = 0; index < 20; index++) many.push({ name: `regex-${index}`, paths: [`~/rx-${index}/items/\\d+$`] });
  const paths = [];
  for (let index = 0; index < 200; index++) {
    paths.push(index < 150 ? `/svc-${index}/v1/items` : index < 180 ? `/m-${index - 150}/orders` : `/rx-${index - 180}/items/42`);
  }
  const configFor = (routes) => ({
    _format_version: "3.0",
    services: [{ name: "app", url: "http://127.0.0.1:9", routes }],
    plugins: [{ name: "noop-base" }],
  });
  const one = await middlewareTarget(configFor([{ name: "all", paths: ["/"] }]), [noop]);
  const twoHundred = await middlewareTarget(configFor(many), [noop]);
  let counter = 0;
  const cachedPath = () => paths[counter++ % paths.length];
  // A path never seen before (the match cache holds 4096): a fresh number at the end still matches its route.
  const freshPath = () => {
    const path = paths[counter % paths.length];
    counter++;
    return path.endsWith("/42") ? `${path.slice(0, -3)}/${counter}` : `${path}/${counter}`;
  };
  await recordPair("router", "200 routes instead of 1, cached paths", () => okThrough(one.dispatch, cachedPath()), () => okThrough(twoHundred.dispatch, cachedPath()));
  await recordPair("router", "200 routes instead of 1, a new path every request", () => okThrough(one.dispatch, freshPath()), () => okThrough(twoHundred.dispatch, freshPath()));
  await one.gateway.close();
  await twoHundred.gateway.close();
});

// 3. Plugins' access handlers, called directly on an instance made as the runtime makes it.
const consumers = [
  {
    username: "bench-user",
    jwt_secrets: [{ key: "bench-issuer", secret: "bench-secret-0123456789abcdef0123456789abcdef", algorithm: "HS256" }],
    hmacauth_credentials: [{ username: "bench-hmac", secret: "bench-hmac-secret-0123456789abcdef" }],
  },
];
async function accessBenchmark(group, name, pluginObject, config, headers, options) {
  const instance = await createInstance(pluginObject, config, { consumers });
  const context = accessContext({ headers });
  const row = await record(group, name, () => {
    context.reset();
    return instance.handlers.access(context);
  }, options);
  await instance.close();
  if (context.exits > 0) throw new Error(`${name}: the access handler refused the request (${context.exits} exits)`);
  return row;
}
{
  const token = benchToken();
  const headers = { authorization: `Bearer ${token}` };
  await accessBenchmark("jwt", "jwt access HS256, verified-token cache hit", jwt, { claims_to_verify: ["exp"] }, headers);
  await accessBenchmark("jwt", "jwt access HS256, cache off (verify every time)", jwt, { claims_to_verify: ["exp"], cache_size: 0 }, headers);
}
{
  const { authorization, date } = benchHmacHeaders(signKongRequest, "/api/hello");
  await accessBenchmark("hmac", "hmac-auth access, hmac-sha256 over date + request-line", hmacAuth, { clock_skew: 3600 }, { authorization, date });
}
await accessBenchmark("rate-limiting", "rate-limiting access, local, 1 key", rateLimiting, rateLimitingConfig, {});
{
  const redisPort = await freePort();
  const redis = await startPinned(0, "redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    port: redisPort,
    name: "redis-server",
  });
  try {
    const redisConfig = { second: 100_000_000, policy: "redis", limit_by: "consumer", redis: { host: "127.0.0.1", port: redisPort } };
    await accessBenchmark("rate-limiting", "rate-limiting access, redis, 1 key, c=1", rateLimiting, redisConfig, {});
    await accessBenchmark("rate-limiting", "rate-limiting access, redis, 1 key, c=50", rateLimiting, redisConfig, {}, { concurrency: 50 });
  } finally {
    await stopProcess(redis);
  }
}
notes.push({ group: "balancer", skipped: "@portcullis/runtime exports no balancer API (targets.ts is internal); not measured" });

const version = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout.trim();
const output = { node: process.version, redis: version, sampling, results, notes };
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(output, null, 2)}\n`);
else process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
