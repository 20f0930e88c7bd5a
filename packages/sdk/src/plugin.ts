import type { Meter, Tracer } from "@opentelemetry/api";
import type {
  AccessContext,
  BodyFilterContext,
  Consumer,
  Credential,
  Exit,
  HeaderFilterContext,
  LogContext,
  Logger,
} from "./context.js";
import type { JsonSchema } from "./json-schema.js";

/** The version of the plugin contract. The runtime refuses plugins built against another major. */
export const API_VERSION = 1;

/** Where a plugin config was declared (Kong's scopes). */
export interface PluginScope {
  readonly level: "global" | "service" | "route" | "consumer" | "route+service" | "route+consumer" | "service+consumer" | "route+service+consumer";
  readonly routeId: string | undefined;
  readonly serviceId: string | undefined;
  readonly consumerId: string | undefined;
}

/** What `create` receives besides the config. */
export interface PluginSetup {
  readonly log: Logger;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Every consumer of the config snapshot, in memory: authentication needs no network call. */
  readonly consumers: readonly Consumer[];
  /** Finds a consumer by id, then by username (Kong's `load_consumer(id, true)`). */
  findConsumer(idOrUsername: string): Consumer | undefined;
  /** This plugin's credential collections, by collection name, validated by their schemas. */
  readonly credentials: Readonly<Record<string, readonly Credential[]>>;
  readonly scope: PluginScope;
  /** A stable id for this configured instance (changes when its config, scope or credentials change). */
  readonly instanceId: string;
  /** Aborted when the instance is retired (reload or shutdown). */
  readonly signal: AbortSignal;
  /** Epoch milliseconds. The test harness can fake it. */
  now(): number;
}

export type MaybePromise<T> = T | Promise<T>;

/** A body chunk returned by bodyFilter: `undefined` keeps the chunk, `null` or empty drops it. */
export type BodyChunk = Buffer | string | null | undefined;

/** The handlers one configured instance provides. Every phase is optional; an absent phase costs nothing. */
export interface PluginInstance<State = Record<string, unknown>> {
  access?(ctx: AccessContext<State>): MaybePromise<void | Exit>;
  headerFilter?(ctx: HeaderFilterContext<State>): MaybePromise<void>;
  /** A streaming transform, called per chunk in priority order, then once with `eof` true. */
  bodyFilter?(ctx: BodyFilterContext<State>, chunk: Buffer, eof: boolean): MaybePromise<BodyChunk>;
  /** Runs after the response finished; never delays it. Errors are logged, never thrown. */
  log?(ctx: LogContext<State>): MaybePromise<void>;
  /** Called when the instance is retired by a reload or shutdown. */
  close?(): MaybePromise<void>;
}

export interface CredentialCollection {
  /** JSON Schema of one credential (without `id` and `consumer`, which the runtime adds). */
  readonly schema: JsonSchema;
  /** The field that identifies a credential in `X-Credential-Identifier` and in errors, e.g. `key`. */
  readonly identifier?: string;
}

export interface ConfigIssue {
  /** Dot path below `config`, e.g. `claims_to_verify`. Empty for the config as a whole. */
  readonly path: string;
  readonly message: string;
}

export interface PluginDefinition<Config> {
  /** The name used in config; kebab-case. */
  readonly name: string;
  readonly version: string;
  /** Higher runs first. Ties: reverse alphabetical by name, as in Kong. */
  readonly priority: number;
  /** JSON Schema of the config, validated by ajv with defaults applied. */
  readonly configSchema: JsonSchema;
  /** Credential collections this plugin owns, e.g. `{ jwt_secrets: { schema } }`. */
  readonly credentials?: Readonly<Record<string, CredentialCollection>>;
  /** Kong's `no_consumer`: false refuses a config scoped to a consumer. Default true. */
  readonly allowConsumerScope?: boolean;
  /** Cross-field checks JSON Schema cannot express (Kong's entity checks). Runs after schema validation. */
  checkConfig?(config: Config): readonly ConfigIssue[];
  /** Called once per configured instance, at load. Precompute here, never per request. */
  create(config: Config, setup: PluginSetup): MaybePromise<PluginInstance>;
}

const pluginBrand = Symbol.for("portcullis.plugin");

/** A branded, validated plugin definition: what a plugin module exports by default. */
export interface Plugin<Config = unknown> extends PluginDefinition<Config> {
  readonly apiVersion: number;
  readonly [pluginBrand]: true;
}

export { pluginBrand };
