import { Cluster, Redis } from "ioredis";
import type { CounterStore, CountRequest, CountResult } from "./counter-store.js";
import type { ClientPlan } from "./redis-options.js";

/**
 * One round trip, atomic for every window of the request: read the current (and, sliding, the weighted previous)
 * counts, admit only if every window has room, and only then INCR each current counter, setting its TTL on creation.
 * KEYS: n current keys, then n previous keys when sliding. ARGV: n, sliding flag, then limit, ttl ms, weight per key.
 * Returns the n usages followed by 1 (admitted) or 0.
 */
export const countScript = `
local n = tonumber(ARGV[1])
local sliding = ARGV[2] == '1'
local result = {}
local admitted = 1
for i = 1, n do
  local usage = tonumber(redis.call('GET', KEYS[i]) or '0')
  if sliding then
    local previous = tonumber(redis.call('GET', KEYS[n + i]) or '0')
    usage = usage + math.floor(previous * tonumber(ARGV[3 + (i - 1) * 3 + 2]))
  end
  result[i] = usage
  if usage >= tonumber(ARGV[3 + (i - 1) * 3]) then admitted = 0 end
end
if admitted == 1 then
  for i = 1, n do
    if redis.call('INCR', KEYS[i]) == 1 then
      redis.call('PEXPIRE', KEYS[i], ARGV[3 + (i - 1) * 3 + 1])
    end
  end
end
result[n + 1] = admitted
return result
`;

type RedisClient = Redis | Cluster;
type CountCommand = (...arguments_: (string | number)[]) => Promise<number[]>;

export function createRedisClient(plan: ClientPlan): RedisClient {
  return plan.mode === "cluster" ? new Cluster([...plan.nodes], plan.options) : new Redis(plan.options);
}

/**
 * The `redis` policy. The client is created with no offline queue and a command timeout, so a request never waits
 * on a down or stalled Redis longer than `timeout`; ioredis keeps reconnecting in the background and the store
 * recovers without a restart. ioredis sends the script by EVALSHA and falls back to EVAL after a Redis restart.
 */
export class RedisCounterStore implements CounterStore {
  readonly client: RedisClient;
  readonly #command: CountCommand;
  readonly #timeoutMs: number;
  readonly #keyPrefix: string;
  readonly #keySuffixes: readonly string[];

  /** Keys are `<keyPrefix><identifier>}:<window start>:<period>`; see `counterKeyPrefix`. */
  constructor(client: RedisClient, timeoutMs: number, keyPrefix: string, periodsInOrder: readonly string[], onError: (error: Error) => void) {
    this.client = client;
    this.#timeoutMs = timeoutMs;
    this.#keyPrefix = keyPrefix;
    this.#keySuffixes = periodsInOrder.map((period) => `:${period}`);
    client.on("error", onError);
    client.defineCommand("portcullisRateLimit", { lua: countScript });
    this.#command = (client as unknown as { portcullisRateLimit: CountCommand }).portcullisRateLimit.bind(client);
  }

  /** Starts connecting and waits at most `timeout` for the connection; a Redis that is down is not a load error. */
  async connect(): Promise<void> {
    this.client.connect().catch(() => {
      // Reported through the error event; ioredis keeps retrying.
    });
    if (this.client.status === "ready") return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.client.once("ready", done);
    });
  }

  async count(request: CountRequest): Promise<CountResult> {
    const { identifier, starts, limits, ttlsMs, previousStarts, previousWeights } = request;
    const count = starts.length;
    const sliding = previousStarts !== undefined && previousWeights !== undefined;
    const base = `${this.#keyPrefix}${identifier}}:`;
    const arguments_: (string | number)[] = [sliding ? count * 2 : count];
    for (let index = 0; index < count; index++) arguments_.push(base + starts[index] + this.#keySuffixes[index]);
    if (sliding) for (let index = 0; index < count; index++) arguments_.push(base + previousStarts[index] + this.#keySuffixes[index]);
    arguments_.push(count, sliding ? "1" : "0");
    for (let index = 0; index < count; index++) {
      arguments_.push(limits[index]!, Math.ceil(ttlsMs[index]!), sliding ? String(previousWeights[index]) : "0");
    }
    const reply = await this.#command(...arguments_);
    return { usages: reply.slice(0, count).map(Number), admitted: reply[count] === 1 };
  }

  async close(): Promise<void> {
    try {
      if (this.client.status === "ready") {
        await Promise.race([this.client.quit(), new Promise((resolve) => setTimeout(resolve, this.#timeoutMs).unref())]);
      }
    } catch {
      // Closing a broken connection: disconnect below is enough.
    } finally {
      this.client.disconnect();
    }
  }
}
