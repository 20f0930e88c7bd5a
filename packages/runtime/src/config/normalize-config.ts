/**
 * The synchronous core of the config loader: interpolate `${ENV}`, validate against the document schema and Kong's
 * cross-field rules, then flatten nested entities, resolve references, assign ids and apply defaults into a
 * GatewayConfig. Every problem is collected with its JSON path; nothing here throws for bad input.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { compileSchema, joinPath, type SchemaValidator } from "@portcullis/sdk/schema";
import { type Environment, interpolateEnv } from "./interpolate.js";
import { childPath, isPlainObject } from "./json-path.js";
import { migrateToFormat3 } from "./migrate-format.js";
import type { Report } from "./report.js";
import { checkRoute } from "./route-rules.js";
import {
  CONSUMER_KEYS,
  CREDENTIAL_ROW_SCHEMA,
  configDocumentSchema,
  NESTED_CREDENTIAL_ROW_SCHEMA,
  TOP_LEVEL_KEYS,
  UNSUPPORTED_KONG_ENTITIES,
  UUID_PATTERN,
} from "./schema.js";
import { resolveServiceAddress } from "./service-address.js";
import { parseTarget } from "./target.js";
import type {
  CertificateEntity,
  ConfigIssue,
  ConfigResult,
  ConsumerEntity,
  CredentialEntity,
  HealthChecks,
  PluginEntity,
  RouteEntity,
  RouteProtocol,
  ServiceEntity,
  TargetEntity,
  UpstreamEntity,
} from "./types.js";
import { balancingSettings, checkUpstream } from "./upstream-rules.js";
import { uuidV5 } from "./uuid-v5.js";
import { checkName } from "./validators.js";

export interface NormalizeOptions {
  /** Variables for `${VAR}` interpolation; `process.env` when omitted. */
  readonly env?: Environment;
}

type RawEntity = Record<string, unknown>;

const UUID = new RegExp(UUID_PATTERN);

let validators:
  | { document: SchemaValidator; credentialRow: SchemaValidator; nestedCredentialRow: SchemaValidator }
  | undefined;

function schemaValidators() {
  validators ??= {
    document: compileSchema(configDocumentSchema({ credentialCollections: false })),
    credentialRow: compileSchema(CREDENTIAL_ROW_SCHEMA),
    nestedCredentialRow: compileSchema(NESTED_CREDENTIAL_ROW_SCHEMA),
  };
  return validators;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function forEachObject(list: unknown, path: string, visit: (entity: RawEntity, source: string) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, index) => {
    if (isPlainObject(item)) visit(item, childPath(path, index));
  });
}

/** JSON with sorted keys, so that ids derived from content do not depend on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function withoutKeys(entity: RawEntity, keys: readonly string[]): RawEntity {
  const copy: RawEntity = {};
  for (const [key, value] of Object.entries(entity)) if (!keys.includes(key)) copy[key] = value;
  return copy;
}

interface Known {
  readonly id: string;
  readonly source: string;
  readonly given: boolean;
}

/** One entity kind's ids and unique keys: detects duplicates and resolves references by id or endpoint key. */
class EntityIndex {
  private readonly ids = new Map<string, Known>();
  private readonly uniques = new Map<string, Map<string, Known>>();

  constructor(
    private readonly kind: string,
    private readonly report: Report,
  ) {}

  add(source: string, givenId: unknown, idName: string, uniques: Readonly<Record<string, string | undefined>> = {}): string {
    const given = typeof givenId === "string" && UUID.test(givenId);
    const id = given ? (givenId as string).toLowerCase() : uuidV5(idName);
    const known: Known = { id, source, given };
    const previous = this.ids.get(id);
    if (previous === undefined) this.ids.set(id, known);
    // Two generated ids only collide when their endpoint keys do, which is reported below under the key's name.
    else if (given || previous.given) this.report(given ? childPath(source, "id") : source, this.violation("id", id, previous));
    for (const [field, value] of Object.entries(uniques)) {
      if (value === undefined) continue;
      let values = this.uniques.get(field);
      if (values === undefined) this.uniques.set(field, (values = new Map()));
      const taken = values.get(value);
      if (taken === undefined) values.set(value, known);
      else this.report(childPath(source, field), this.violation(field, value, taken));
    }
    return id;
  }

  private violation(field: string, value: string, previous: Known): string {
    return `uniqueness violation: '${this.kind}' entity with ${field} set to '${value}' already declared at ${previous.source}`;
  }

  /** The id of the entity that `reference` names, by id first, then by the endpoint key `field`. */
  resolve(reference: string, field: string): string | undefined {
    if (UUID.test(reference)) {
      const byId = this.ids.get(reference.toLowerCase());
      if (byId !== undefined) return byId.id;
    }
    return this.uniques.get(field)?.get(reference)?.id;
  }
}

interface CredentialCollection {
  readonly name: string;
  readonly rows: readonly RawEntity[];
  readonly path: string;
  /** Index in `consumers` when nested under a consumer. */
  readonly consumerIndex: number | undefined;
}

function isCredentialCollection(value: unknown): value is RawEntity[] {
  return Array.isArray(value) && value.every(isPlainObject);
}

/**
 * Removes credential collections from the document, so the schema can refuse every other unknown key. Any property
 * that is not an entity or setting and holds an array of objects is a collection; its owning plugin validates rows.
 */
function extractCredentialCollections(document: RawEntity, report: Report): CredentialCollection[] {
  const collections: CredentialCollection[] = [];
  const take = (owner: RawEntity, known: ReadonlySet<string>, base: string, consumerIndex: number | undefined) => {
    for (const key of Object.keys(owner)) {
      if (known.has(key)) continue;
      const value = owner[key];
      delete owner[key];
      const path = childPath(base, key);
      if (consumerIndex === undefined && UNSUPPORTED_KONG_ENTITIES.has(key)) {
        report(path, `'${key}' entities are not supported by Portcullis`);
      } else if (isCredentialCollection(value)) {
        collections.push({ name: key, rows: value, path, consumerIndex });
      } else {
        report(path, "unknown field (a credential collection must be an array of objects)");
      }
    }
  };
  if (Array.isArray(document.consumers)) {
    document.consumers.forEach((consumer, index) => {
      if (isPlainObject(consumer)) take(consumer, CONSUMER_KEYS, childPath("consumers", index), index);
    });
  }
  take(document, TOP_LEVEL_KEYS, "", undefined);
  return collections;
}

interface PendingRoute {
  readonly raw: RawEntity;
  readonly source: string;
  readonly serviceId: string | undefined;
}

interface PendingPlugin {
  readonly raw: RawEntity;
  readonly source: string;
  readonly routeId?: string;
  readonly serviceId?: string;
  readonly consumerId?: string;
}

interface PendingTarget {
  readonly raw: RawEntity;
  readonly source: string;
  readonly upstreamId: string | undefined;
}

function lowerCaseHeaders(value: unknown): Record<string, string[]> | undefined {
  if (!isPlainObject(value)) return undefined;
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(value)) {
    const key = name.toLowerCase();
    headers[key] = [...(headers[key] ?? []), ...stringList(values)];
  }
  return headers;
}

function isGrpcRoute(protocols: readonly string[]): boolean {
  return protocols.some((protocol) => protocol === "grpc" || protocol === "grpcs");
}

function buildRoute(raw: RawEntity, source: string, id: string, serviceId: string | undefined): RouteEntity {
  const protocols = stringList(raw.protocols) as RouteProtocol[];
  return {
    id,
    name: text(raw.name),
    serviceId,
    protocols,
    methods: Array.isArray(raw.methods) ? stringList(raw.methods).map((method) => method.toUpperCase()) : undefined,
    hosts: Array.isArray(raw.hosts) ? stringList(raw.hosts).map((host) => host.toLowerCase()) : undefined,
    paths: Array.isArray(raw.paths) ? stringList(raw.paths) : undefined,
    headers: lowerCaseHeaders(raw.headers),
    stripPath: typeof raw.strip_path === "boolean" ? raw.strip_path : !isGrpcRoute(protocols),
    preserveHost: raw.preserve_host === true,
    regexPriority: raw.regex_priority as number,
    pathHandling: raw.path_handling as "v0" | "v1",
    httpsRedirectStatusCode: raw.https_redirect_status_code as number,
    requestBuffering: raw.request_buffering as boolean,
    responseBuffering: raw.response_buffering as boolean,
    tags: stringList(raw.tags),
    source,
  };
}

function describeScope(plugin: PendingPlugin, labels: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  if (plugin.routeId !== undefined) parts.push(`route ${labels.get(plugin.routeId) ?? plugin.routeId}`);
  if (plugin.serviceId !== undefined) parts.push(`service ${labels.get(plugin.serviceId) ?? plugin.serviceId}`);
  if (plugin.consumerId !== undefined) parts.push(`consumer ${labels.get(plugin.consumerId) ?? plugin.consumerId}`);
  return parts.length === 0 ? "globally" : `for ${parts.join(", ")}`;
}

/** Validates and normalises a parsed config document (an object from YAML or JSON, or built in code). */
export function normalizeConfig(document: unknown, options: NormalizeOptions = {}): ConfigResult {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message) => {
    issues.push({ path, message });
  };
  if (!isPlainObject(document)) {
    return {
      ok: false,
      issues: [{ path: "", message: "the config must be a mapping with _format_version, services, routes, ..." }],
    };
  }

  const interpolated = interpolateEnv(document, options.env ?? process.env);
  issues.push(...interpolated.issues);
  const working = interpolated.value as RawEntity;

  const version = working._format_version;
  if (typeof version === "number") {
    report("_format_version", `expected a string: write "${version.toFixed(1)}" in quotes`);
    working._format_version = "3.0";
  } else if (version === "1.1" || version === "2.1") {
    migrateToFormat3(working);
  }

  const credentialCollections = extractCredentialCollections(working, report);
  const validation = schemaValidators().document(working);
  if (!validation.ok) issues.push(...validation.issues);

  const labels = new Map<string, string>();
  const serviceIndex = new EntityIndex("services", report);
  const routeIndex = new EntityIndex("routes", report);
  const upstreamIndex = new EntityIndex("upstreams", report);
  const consumerIndex = new EntityIndex("consumers", report);
  const pluginIndex = new EntityIndex("plugins", report);
  const contentId = (kind: string, source: string, raw: RawEntity, nested: readonly string[]) =>
    `${kind}:${source}:${canonicalJson(withoutKeys(raw, ["id", ...nested]))}`;

  const services: ServiceEntity[] = [];
  const pendingRoutes: PendingRoute[] = [];
  const pendingPlugins: PendingPlugin[] = [];
  forEachObject(working.services, "services", (raw, source) => {
    const name = text(raw.name);
    if (name !== undefined) {
      const problem = checkName(name);
      if (problem !== undefined) report(childPath(source, "name"), problem);
    }
    const address = resolveServiceAddress(raw, source, report);
    const idName = name !== undefined ? `services:name:${name}` : contentId("services", source, raw, ["routes", "plugins"]);
    const id = serviceIndex.add(source, raw.id, idName, { name });
    labels.set(id, name !== undefined ? `"${name}"` : source);
    if (address !== undefined) {
      services.push({
        id,
        name,
        ...address,
        retries: raw.retries as number,
        connectTimeout: raw.connect_timeout as number,
        readTimeout: raw.read_timeout as number,
        writeTimeout: raw.write_timeout as number,
        enabled: raw.enabled as boolean,
        tags: stringList(raw.tags),
        source,
      });
    }
    forEachObject(raw.routes, childPath(source, "routes"), (route, routeSource) =>
      pendingRoutes.push({ raw: route, source: routeSource, serviceId: id }),
    );
    forEachObject(raw.plugins, childPath(source, "plugins"), (plugin, pluginSource) =>
      pendingPlugins.push({ raw: plugin, source: pluginSource, serviceId: id }),
    );
  });

  const topLevelRouteSources = new Set<string>();
  forEachObject(working.routes, "routes", (raw, source) => {
    topLevelRouteSources.add(source);
    pendingRoutes.push({ raw, source, serviceId: undefined });
  });

  const routeIds: string[] = [];
  for (const pending of pendingRoutes) {
    checkRoute(pending.raw, pending.source, report);
    const name = text(pending.raw.name);
    const idName = name !== undefined ? `routes:name:${name}` : contentId("routes", pending.source, pending.raw, ["plugins"]);
    const id = routeIndex.add(pending.source, pending.raw.id, idName, { name });
    labels.set(id, name !== undefined ? `"${name}"` : pending.source);
    routeIds.push(id);
    forEachObject(pending.raw.plugins, childPath(pending.source, "plugins"), (plugin, pluginSource) =>
      pendingPlugins.push({ raw: plugin, source: pluginSource, routeId: id }),
    );
  }

  const resolveReference = (
    index: EntityIndex,
    kind: string,
    field: "name" | "username",
    value: unknown,
    path: string,
  ): string | undefined => {
    if (typeof value !== "string") return undefined;
    const id = index.resolve(value, field);
    if (id === undefined) {
      const how = UUID.test(value) ? `with id or ${field}` : field === "name" ? "named" : `with ${field}`;
      report(path, `no ${kind} ${how} "${value}"`);
    }
    return id;
  };

  const routes = pendingRoutes.map((pending, position) => {
    const serviceId = topLevelRouteSources.has(pending.source)
      ? resolveReference(serviceIndex, "service", "name", pending.raw.service, childPath(pending.source, "service"))
      : pending.serviceId;
    return buildRoute(pending.raw, pending.source, routeIds[position]!, serviceId);
  });

  const upstreamDrafts: { raw: RawEntity; source: string; id: string }[] = [];
  const pendingTargets: PendingTarget[] = [];
  forEachObject(working.upstreams, "upstreams", (raw, source) => {
    checkUpstream(raw, source, report);
    const name = text(raw.name);
    const idName = name !== undefined ? `upstreams:name:${name}` : contentId("upstreams", source, raw, ["targets"]);
    const id = upstreamIndex.add(source, raw.id, idName, { name });
    upstreamDrafts.push({ raw, source, id });
    forEachObject(raw.targets, childPath(source, "targets"), (target, targetSource) =>
      pendingTargets.push({ raw: target, source: targetSource, upstreamId: id }),
    );
  });
  forEachObject(working.targets, "targets", (raw, source) =>
    pendingTargets.push({
      raw,
      source,
      upstreamId: resolveReference(upstreamIndex, "upstream", "name", raw.upstream, childPath(source, "upstream")),
    }),
  );

  const targetsByUpstream = new Map<string, TargetEntity[]>();
  const targetIndex = new EntityIndex("targets", report);
  for (const pending of pendingTargets) {
    const target = text(pending.raw.target);
    if (target === undefined) continue;
    const parsed = parseTarget(target);
    if ("error" in parsed) {
      report(childPath(pending.source, "target"), parsed.error);
      continue;
    }
    if (pending.upstreamId === undefined) continue;
    const hostPort = parsed.host.includes(":") ? `[${parsed.host}]:${parsed.port}` : `${parsed.host}:${parsed.port}`;
    const id = targetIndex.add(pending.source, pending.raw.id, `targets:${pending.upstreamId}:${hostPort}`, {
      target: `${pending.upstreamId}/${hostPort}`,
    });
    const list = targetsByUpstream.get(pending.upstreamId) ?? [];
    targetsByUpstream.set(pending.upstreamId, list);
    list.push({
      id,
      target,
      host: parsed.host,
      port: parsed.port,
      weight: pending.raw.weight as number,
      tags: stringList(pending.raw.tags),
      source: pending.source,
    });
  }

  const upstreams: UpstreamEntity[] = upstreamDrafts.map(({ raw, source, id }) => ({
    id,
    name: text(raw.name) ?? "",
    ...balancingSettings(raw),
    hashOnHeader: text(raw.hash_on_header),
    hashFallbackHeader: text(raw.hash_fallback_header),
    hashOnCookie: text(raw.hash_on_cookie),
    hashOnCookiePath: text(raw.hash_on_cookie_path) ?? "/",
    hashOnQueryArg: text(raw.hash_on_query_arg),
    hashFallbackQueryArg: text(raw.hash_fallback_query_arg),
    hashOnUriCapture: text(raw.hash_on_uri_capture),
    hashFallbackUriCapture: text(raw.hash_fallback_uri_capture),
    slots: raw.slots as number,
    hostHeader: text(raw.host_header),
    healthchecks: raw.healthchecks as HealthChecks,
    targets: targetsByUpstream.get(id) ?? [],
    tags: stringList(raw.tags),
    source,
  }));

  const consumers: ConsumerEntity[] = [];
  const consumerIdsByIndex: (string | undefined)[] = [];
  if (Array.isArray(working.consumers)) {
    working.consumers.forEach((raw: unknown, index) => {
      if (!isPlainObject(raw)) return;
      const source = childPath("consumers", index);
      const username = text(raw.username);
      const customId = text(raw.custom_id);
      if (username === undefined && customId === undefined && raw.username === undefined && raw.custom_id === undefined) {
        report(source, "at least one of these fields must be non-empty: 'custom_id', 'username'");
      }
      const idName =
        username !== undefined
          ? `consumers:username:${username}`
          : customId !== undefined
            ? `consumers:custom_id:${customId}`
            : contentId("consumers", source, raw, ["plugins"]);
      const id = consumerIndex.add(source, raw.id, idName, { username, custom_id: customId });
      labels.set(id, username !== undefined ? `"${username}"` : customId !== undefined ? `custom_id "${customId}"` : source);
      consumerIdsByIndex[index] = id;
      consumers.push({ id, username, customId, tags: stringList(raw.tags), source });
      forEachObject(raw.plugins, childPath(source, "plugins"), (plugin, pluginSource) =>
        pendingPlugins.push({ raw: plugin, source: pluginSource, consumerId: id }),
      );
    });
  }

  const credentials: CredentialEntity[] = [];
  const credentialIndexes = new Map<string, EntityIndex>();
  for (const collection of credentialCollections) {
    let index = credentialIndexes.get(collection.name);
    if (index === undefined) credentialIndexes.set(collection.name, (index = new EntityIndex(collection.name, report)));
    const nested = collection.consumerIndex !== undefined;
    collection.rows.forEach((row, position) => {
      const source = childPath(collection.path, position);
      const check = nested ? schemaValidators().nestedCredentialRow(row) : schemaValidators().credentialRow(row);
      if (!check.ok) for (const issue of check.issues) report(joinPath(source, issue.path), issue.message);
      let consumerId: string | undefined;
      if (nested) {
        consumerId = consumerIdsByIndex[collection.consumerIndex!];
        if (row.consumer !== undefined) {
          report(childPath(source, "consumer"), "unknown field (a nested credential belongs to its parent consumer)");
        }
      } else {
        consumerId = resolveReference(consumerIndex, "consumer", "username", row.consumer, childPath(source, "consumer"));
      }
      if (consumerId === undefined) return;
      const fields = withoutKeys(row, ["id", "consumer"]);
      const id = index.add(source, row.id, `${collection.name}:${source}:${canonicalJson(fields)}`);
      credentials.push({ id, collection: collection.name, consumerId, fields, source });
    });
  }

  forEachObject(working.plugins, "plugins", (raw, source) => pendingPlugins.push({ raw, source }));
  const plugins: PluginEntity[] = [];
  const pluginScopes = new Map<string, string>();
  for (const pending of pendingPlugins) {
    const { raw, source } = pending;
    const scoped: PendingPlugin = {
      raw,
      source,
      routeId: pending.routeId ?? resolveReference(routeIndex, "route", "name", raw.route, childPath(source, "route")),
      serviceId:
        pending.serviceId ?? resolveReference(serviceIndex, "service", "name", raw.service, childPath(source, "service")),
      consumerId:
        pending.consumerId ??
        resolveReference(consumerIndex, "consumer", "username", raw.consumer, childPath(source, "consumer")),
    };
    const name = text(raw.name);
    if (name === undefined) continue;
    const scopeKey = `${name}|${scoped.routeId ?? ""}|${scoped.serviceId ?? ""}|${scoped.consumerId ?? ""}`;
    const previous = pluginScopes.get(scopeKey);
    if (previous !== undefined) {
      report(source, `plugin "${name}" is already configured ${describeScope(scoped, labels)} at ${previous}`);
      continue;
    }
    pluginScopes.set(scopeKey, source);
    const id = pluginIndex.add(source, raw.id, `plugins:${scopeKey}`, { instance_name: text(raw.instance_name) });
    plugins.push({
      id,
      name,
      instanceName: text(raw.instance_name),
      config: isPlainObject(raw.config) ? raw.config : {},
      routeId: scoped.routeId,
      serviceId: scoped.serviceId,
      consumerId: scoped.consumerId,
      protocols: stringList(raw.protocols) as RouteProtocol[],
      enabled: raw.enabled !== false,
      tags: stringList(raw.tags),
      source,
    });
  }

  const certificates: CertificateEntity[] = [];
  const certificateIndex = new EntityIndex("certificates", report);
  forEachObject(working.certificates, "certificates", (raw, source) => {
    const cert = text(raw.cert);
    const key = text(raw.key);
    if (cert === undefined || key === undefined) return;
    const problem = checkCertificate(cert, key);
    if (problem !== undefined) report(childPath(source, problem.field), problem.message);
    const snis = stringList(raw.snis).map((name) => name.toLowerCase());
    const id = certificateIndex.add(source, raw.id, `certificates:${source}:${canonicalJson(withoutKeys(raw, ["id", "key"]))}`);
    certificates.push({ id, cert, key, snis, tags: stringList(raw.tags), source });
  });

  if (issues.length > 0) return { ok: false, issues: dedupe(issues) };
  return {
    ok: true,
    config: { formatVersion: "3.0", certificates, services, routes, upstreams, consumers, credentials, plugins },
  };
}

/** Parses the PEM pair at load, so a bad certificate stops the load instead of the listener's TLS handshake. */
function checkCertificate(cert: string, key: string): { field: "cert" | "key"; message: string } | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    return { field: "cert", message: "not a PEM certificate" };
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    return { field: "key", message: "not a PEM private key" };
  }
  if (!certificate.checkPrivateKey(privateKey)) return { field: "key", message: "does not match the certificate" };
  return undefined;
}

function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
