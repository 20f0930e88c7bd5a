// A plugin instance made the way the runtime makes one (schema defaults applied, credentials validated and handed
// to create), and a reusable access context, so that a micro-benchmark times the plugin's own access handler and
// nothing of a harness or of HTTP.
import { randomUUID } from "node:crypto";
import { importWorkspace } from "./setup.mjs";

const { compileSchema } = await importWorkspace("packages/sdk/dist/schema/index.js");

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

export async function createInstance(plugin, config, { consumers = [] } = {}) {
  const checked = compileSchema(plugin.configSchema)(structuredClone(config));
  if (!checked.ok) throw new Error(`${plugin.name} config: ${JSON.stringify(checked.issues)}`);
  const consumerList = consumers.map(({ username }) => ({ id: randomUUID(), username }));
  const credentials = {};
  for (const [collection, spec] of Object.entries(plugin.credentials ?? {})) {
    const validate = compileSchema(spec.schema);
    credentials[collection] = consumers.flatMap((fixture, index) =>
      (fixture[collection] ?? []).map((row) => {
        const valid = validate(structuredClone(row));
        if (!valid.ok) throw new Error(`${collection}: ${JSON.stringify(valid.issues)}`);
        return { ...valid.value, id: randomUUID(), collection, consumerId: consumerList[index].id };
      }),
    );
  }
  const controller = new AbortController();
  const handlers = await plugin.create(checked.value, {
    log: silent,
    consumers: consumerList,
    findConsumer: (key) => consumerList.find((consumer) => consumer.id === key || consumer.username === key),
    credentials,
    scope: { level: "global", routeId: undefined, serviceId: undefined, consumerId: undefined },
    instanceId: randomUUID(),
    signal: controller.signal,
    now: Date.now,
  });
  return {
    handlers,
    async close() {
      controller.abort();
      await handlers.close?.();
    },
  };
}

function headerStore() {
  const headers = {};
  return {
    headers,
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    setHeader(name, value) {
      headers[name.toLowerCase()] = value;
    },
    addHeader(name, value) {
      const key = name.toLowerCase();
      headers[key] = headers[key] === undefined ? value : [].concat(headers[key], value);
    },
    removeHeader(name) {
      delete headers[name.toLowerCase()];
    },
  };
}

/**
 * An access context for GET `path` with `headers`. `reset()` readies it for the next call; `exits` counts
 * respond()/error() calls so that a benchmark can prove it measured the success path.
 */
export function accessContext({ path = "/api/hello", headers = {} } = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const context = {
    phase: "access",
    requestId: randomUUID(),
    route: { id: "route", name: "api" },
    service: { id: "service", name: "bench-upstream" },
    consumer: undefined,
    credential: undefined,
    shared: {},
    state: {},
    log: silent,
    signal: new AbortController().signal,
    exits: 0,
    request: {
      method: "GET",
      path,
      rawPath: path,
      rawQuery: "",
      query: {},
      headers: lower,
      header: (name) => lower[name.toLowerCase()],
      httpVersion: "1.1",
      clientIp: "127.0.0.1",
      scheme: "http",
      host: "127.0.0.1",
      port: 8000,
      body: async () => Buffer.alloc(0),
    },
    upstream: { ...headerStore(), path, rawQuery: "", setPath() {}, setQuery() {} },
    response: headerStore(),
    respond(status) {
      context.exits++;
      return { status };
    },
    error(status) {
      context.exits++;
      return { status };
    },
    authenticate(consumer, credential) {
      context.consumer = consumer;
      context.credential = credential;
    },
    reset() {
      context.consumer = undefined;
      context.credential = undefined;
    },
  };
  return context;
}
