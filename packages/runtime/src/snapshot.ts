import { metrics, trace } from "@opentelemetry/api";
import type { Consumer, Credential, Logger, Plugin, PluginInstance, PluginScope } from "@portcullis/sdk";
import { compileSchema, joinPath, type SchemaValidator } from "@portcullis/sdk/schema";
import type { ConfigIssue, ConsumerEntity, GatewayConfig, PluginEntity, RouteEntity, ServiceEntity, UpstreamEntity } from "./config/types.js";
import type { RuntimeLogger } from "./logger.js";
import { bundledCredentialOwners, resolvePlugin } from "./plugin-loader.js";
import { compileRouter, type Router } from "./router/index.js";
import { TargetRegistry } from "./health/registry.js";
import { TargetSelector } from "./targets.js";

/** One configured plugin instance: a plugin entity with its handlers, created at load. */
export interface CompiledInstance {
  readonly entity: PluginEntity;
  readonly plugin: Plugin<unknown>;
  readonly name: string;
  readonly priority: number;
  readonly handlers: PluginInstance;
  readonly log: Logger;
  readonly controller: AbortController;
}

/**
 * Where one plugin's config comes from for one route, in Kong's precedence. Consumer-scoped configs can only be
 * resolved once the chain reaches the plugin during access, after authentication.
 */
export interface PluginSlot {
  readonly name: string;
  /** Route+service+consumer, route+consumer, service+consumer: beat everything. */
  readonly consumerHigh: ReadonlyMap<string, CompiledInstance> | undefined;
  readonly routeService: CompiledInstance | undefined;
  /** Consumer only: beats route, service and global. */
  readonly consumerOnly: ReadonlyMap<string, CompiledInstance> | undefined;
  /** Route, then service, then global. */
  readonly low: CompiledInstance | undefined;
}

export interface Chain {
  readonly slots: readonly PluginSlot[];
  /** True when some slot depends on the consumer; the instance list is then collected per request. */
  readonly consumerDependent: boolean;
  /** The instances without a consumer, in priority order; the request's list when not consumer dependent. */
  readonly instances: readonly CompiledInstance[];
  readonly hasBodyFilter: boolean;
}

export interface Snapshot {
  readonly version: number;
  readonly config: GatewayConfig;
  readonly router: Router;
  readonly chains: ReadonlyMap<string, Chain>;
  /** Global plugins only: used when no route matched. */
  readonly globalChain: Chain;
  readonly services: ReadonlyMap<string, ServiceEntity>;
  readonly upstreams: ReadonlyMap<string, UpstreamEntity>;
  readonly targets: TargetSelector;
  readonly instances: readonly CompiledInstance[];
  readonly plugins: ReadonlyMap<string, Plugin<unknown>>;
  inflight: number;
  retired: boolean;
}

export interface SnapshotOptions {
  readonly registered: ReadonlyMap<string, Plugin<unknown>>;
  readonly baseDirectory: string;
  readonly logger: RuntimeLogger;
  readonly now: () => number;
  readonly version: number;
  /** The gateway's target health registry, kept across reloads; a private one when absent (validation). */
  readonly targetRegistry?: TargetRegistry;
}

export type SnapshotResult = { readonly ok: true; readonly snapshot: Snapshot } | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

function toConsumer(entity: ConsumerEntity): Consumer {
  return {
    id: entity.id,
    ...(entity.username === undefined ? {} : { username: entity.username }),
    ...(entity.customId === undefined ? {} : { customId: entity.customId }),
    tags: entity.tags,
  };
}

function scopeOf(entity: PluginEntity): PluginScope {
  const parts = [entity.routeId && "route", entity.serviceId && "service", entity.consumerId && "consumer"].filter(Boolean);
  return {
    level: (parts.length === 0 ? "global" : parts.join("+")) as PluginScope["level"],
    routeId: entity.routeId,
    serviceId: entity.serviceId,
    consumerId: entity.consumerId,
  };
}

function describeScope(entity: PluginEntity): string {
  return scopeOf(entity).level;
}

function comparePriority(left: { priority: number; name: string }, right: { priority: number; name: string }): number {
  if (left.priority !== right.priority) return right.priority - left.priority;
  return left.name < right.name ? 1 : left.name > right.name ? -1 : 0;
}

async function closeInstances(instances: readonly CompiledInstance[], logger: RuntimeLogger): Promise<void> {
  await Promise.all(
    instances.map(async (instance) => {
      instance.controller.abort();
      try {
        await instance.handlers.close?.();
      } catch (error) {
        logger.error("plugin close failed", { plugin: instance.name, error });
      }
    }),
  );
}

/** Retires a snapshot's instances: abort their signals and call `close()`. */
export function closeSnapshot(snapshot: Snapshot, logger: RuntimeLogger): Promise<void> {
  snapshot.targets.close();
  return closeInstances(snapshot.instances, logger);
}

/**
 * Builds a runnable snapshot from a validated config: resolves and checks every plugin, validates every plugin
 * config and credential against the owning plugin's schemas (collecting every issue), creates the instances, and
 * compiles the router and one chain per route. Nothing is created unless everything validates.
 */
export async function buildSnapshot(config: GatewayConfig, options: SnapshotOptions): Promise<SnapshotResult> {
  const issues: ConfigIssue[] = [];
  const plugins = new Map<string, Plugin<unknown>>();
  const byPluginName = new Map<string, string>();
  const wanted = new Map<string, string>();
  for (const entity of config.plugins) if (!wanted.has(entity.name)) wanted.set(entity.name, joinPath(entity.source, "name"));
  for (const credential of config.credentials) {
    const owner = bundledCredentialOwners[credential.collection];
    if (owner !== undefined && !wanted.has(owner)) wanted.set(owner, credential.source);
  }
  await Promise.all(
    [...wanted].map(async ([name, source]) => {
      const resolution = await resolvePlugin(name, options.registered, options.baseDirectory);
      if (!resolution.ok) issues.push({ path: source, message: `${resolution.message} (${resolution.code})` });
      else plugins.set(name, resolution.plugin);
    }),
  );
  for (const [configName, plugin] of plugins) {
    const previous = byPluginName.get(plugin.name);
    if (previous !== undefined && plugins.get(previous) !== plugin) {
      issues.push({
        path: wanted.get(configName) ?? "",
        message: `plugin name '${plugin.name}' is claimed by both '${previous}' and '${configName}' (PC_ERR_PLUGIN_DUPLICATE_NAME)`,
      });
    }
    byPluginName.set(plugin.name, configName);
  }

  // Credentials: each collection must be owned by a loaded plugin, and each row must fit its schema.
  const owners = new Map<string, { plugin: Plugin<unknown>; validate: SchemaValidator }>();
  for (const plugin of plugins.values()) {
    for (const [collection, spec] of Object.entries(plugin.credentials ?? {})) {
      try {
        owners.set(collection, { plugin, validate: compileSchema(spec.schema) });
      } catch (error) {
        issues.push({ path: "", message: `plugin '${plugin.name}' has an invalid schema for ${collection}: ${String(error)}` });
      }
    }
  }
  const credentialsByCollection = new Map<string, Credential[]>();
  for (const credential of config.credentials) {
    const owner = owners.get(credential.collection);
    if (owner === undefined) {
      issues.push({ path: credential.source, message: `unknown credential collection '${credential.collection}': no loaded plugin owns it` });
      continue;
    }
    const checked = owner.validate(structuredClone(credential.fields));
    if (!checked.ok) {
      for (const issue of checked.issues) issues.push({ path: joinPath(credential.source, issue.path), message: issue.message });
      continue;
    }
    const list = credentialsByCollection.get(credential.collection) ?? [];
    list.push(Object.freeze({ ...(checked.value as Record<string, unknown>), id: credential.id, collection: credential.collection, consumerId: credential.consumerId }));
    credentialsByCollection.set(credential.collection, list);
  }

  // Plugin configs, validated by each plugin's schema with defaults applied.
  const validators = new Map<Plugin<unknown>, SchemaValidator>();
  const validated: { entity: PluginEntity; plugin: Plugin<unknown>; config: unknown }[] = [];
  for (const entity of config.plugins) {
    const plugin = plugins.get(entity.name);
    if (plugin === undefined || !entity.enabled) continue;
    const label = `plugin '${entity.name}' (${describeScope(entity)})`;
    if (entity.consumerId !== undefined && plugin.allowConsumerScope === false) {
      issues.push({ path: joinPath(entity.source, "consumer"), message: `${label} cannot be scoped to a consumer` });
      continue;
    }
    let validate = validators.get(plugin);
    if (validate === undefined) {
      try {
        validate = compileSchema(plugin.configSchema);
      } catch (error) {
        issues.push({ path: entity.source, message: `${label} has an invalid configSchema: ${String(error)}` });
        continue;
      }
      validators.set(plugin, validate);
    }
    const checked = validate(structuredClone(entity.config));
    if (!checked.ok) {
      for (const issue of checked.issues) {
        issues.push({ path: joinPath(joinPath(entity.source, "config"), issue.path), message: `${label}: ${issue.message}` });
      }
      continue;
    }
    let extra: readonly { path: string; message: string }[] = [];
    try {
      extra = plugin.checkConfig?.(checked.value) ?? [];
    } catch (error) {
      extra = [{ path: "", message: `checkConfig failed: ${String(error)}` }];
    }
    for (const issue of extra) issues.push({ path: joinPath(joinPath(entity.source, "config"), issue.path), message: `${label}: ${issue.message}` });
    if (extra.length === 0) validated.push({ entity, plugin, config: checked.value });
  }
  if (issues.length > 0) return { ok: false, issues };

  let router: Router;
  try {
    router = compileRouter(config.routes);
  } catch (error) {
    return { ok: false, issues: [{ path: "routes", message: `routes failed to compile: ${String(error)}` }] };
  }

  const consumers = config.consumers.map(toConsumer);
  const consumersById = new Map(consumers.map((consumer) => [consumer.id, consumer]));
  const consumersByUsername = new Map(consumers.filter((consumer) => consumer.username !== undefined).map((consumer) => [consumer.username!, consumer]));
  const findConsumer = (idOrUsername: string) => consumersById.get(idOrUsername) ?? consumersByUsername.get(idOrUsername);
  const tracer = trace.getTracer("@portcullis/runtime");
  const meter = metrics.getMeter("@portcullis/runtime");

  const instances: CompiledInstance[] = [];
  for (const { entity, plugin, config: pluginConfig } of validated) {
    const credentials: Record<string, readonly Credential[]> = {};
    for (const collection of Object.keys(plugin.credentials ?? {})) credentials[collection] = credentialsByCollection.get(collection) ?? [];
    const controller = new AbortController();
    const log = options.logger.child({ plugin: plugin.name, pluginId: entity.id });
    try {
      const handlers = await plugin.create(pluginConfig, {
        log,
        tracer,
        meter,
        consumers,
        findConsumer,
        credentials,
        scope: scopeOf(entity),
        instanceId: entity.id,
        signal: controller.signal,
        now: options.now,
      });
      if (typeof handlers !== "object" || handlers === null) throw new Error("create() must return an object of phase handlers");
      instances.push({ entity, plugin, name: plugin.name, priority: plugin.priority, handlers, log, controller });
    } catch (error) {
      issues.push({ path: entity.source, message: `plugin '${entity.name}' (${describeScope(entity)}) failed to start: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  if (issues.length > 0) {
    await closeInstances(instances, options.logger);
    return { ok: false, issues };
  }

  const chains = new Map<string, Chain>();
  for (const route of config.routes) chains.set(route.id, compileChain(instances, route));
  const upstreams = new Map(config.upstreams.map((upstream) => [upstream.name, upstream]));
  const snapshot: Snapshot = {
    version: options.version,
    config,
    router,
    chains,
    globalChain: compileChain(instances, undefined),
    services: new Map(config.services.map((service) => [service.id, service])),
    upstreams,
    targets: new TargetSelector(config.services, upstreams, options.targetRegistry ?? new TargetRegistry({ logger: options.logger })),
    instances,
    plugins,
    inflight: 0,
    retired: false,
  };
  return { ok: true, snapshot };
}

function protocolsOverlap(route: RouteEntity | undefined, entity: PluginEntity): boolean {
  if (route === undefined) return true;
  return route.protocols.some((protocol) => entity.protocols.includes(protocol));
}

/** Kong's precedence, compiled for one route (or for no route: global plugins only). */
export function compileChain(instances: readonly CompiledInstance[], route: RouteEntity | undefined): Chain {
  const routeId = route?.id;
  const serviceId = route?.serviceId;
  const groups = new Map<string, CompiledInstance[]>();
  for (const instance of instances) {
    const { entity } = instance;
    if (!protocolsOverlap(route, entity)) continue;
    if (route === undefined && (entity.routeId !== undefined || entity.serviceId !== undefined || entity.consumerId !== undefined)) continue;
    if (entity.routeId !== undefined && entity.routeId !== routeId) continue;
    if (entity.serviceId !== undefined && entity.serviceId !== serviceId) continue;
    const group = groups.get(instance.name) ?? [];
    group.push(instance);
    groups.set(instance.name, group);
  }
  const slots: (PluginSlot & { priority: number })[] = [];
  for (const [name, group] of groups) {
    const find = (hasRoute: boolean, hasService: boolean) =>
      group.find((instance) => instance.entity.consumerId === undefined && (instance.entity.routeId !== undefined) === hasRoute && (instance.entity.serviceId !== undefined) === hasService);
    const consumerMap = (levels: readonly [boolean, boolean][]) => {
      const map = new Map<string, CompiledInstance>();
      for (const [hasRoute, hasService] of levels) {
        for (const instance of group) {
          const { entity } = instance;
          if (entity.consumerId === undefined || (entity.routeId !== undefined) !== hasRoute || (entity.serviceId !== undefined) !== hasService) continue;
          if (!map.has(entity.consumerId)) map.set(entity.consumerId, instance);
        }
      }
      return map.size === 0 ? undefined : map;
    };
    slots.push({
      name,
      priority: group[0]!.priority,
      consumerHigh: consumerMap([[true, true], [true, false], [false, true]]),
      routeService: find(true, true),
      consumerOnly: consumerMap([[false, false]]),
      low: find(true, false) ?? find(false, true) ?? find(false, false),
    });
  }
  slots.sort(comparePriority);
  const instancesWithoutConsumer: CompiledInstance[] = [];
  let consumerDependent = false;
  let hasBodyFilter = false;
  for (const slot of slots) {
    if (slot.consumerHigh !== undefined || slot.consumerOnly !== undefined) consumerDependent = true;
    const base = slot.routeService ?? slot.low;
    if (base !== undefined) instancesWithoutConsumer.push(base);
    for (const candidate of [base, ...(slot.consumerHigh?.values() ?? []), ...(slot.consumerOnly?.values() ?? [])]) {
      if (candidate?.handlers.bodyFilter !== undefined) hasBodyFilter = true;
    }
  }
  return { slots, consumerDependent, instances: instancesWithoutConsumer, hasBodyFilter };
}

/** Resolves the instance of one slot for the consumer known when the chain reaches it (Kong's lookup order). */
export function resolveSlot(slot: PluginSlot, consumerId: string | undefined): CompiledInstance | undefined {
  if (consumerId !== undefined) {
    const high = slot.consumerHigh?.get(consumerId);
    if (high !== undefined) return high;
    if (slot.routeService !== undefined) return slot.routeService;
    const only = slot.consumerOnly?.get(consumerId);
    if (only !== undefined) return only;
    return slot.low;
  }
  return slot.routeService ?? slot.low;
}
