import type { HealthChecks } from "../config/types.js";
import type { HealthOutcome, HealthThresholds } from "./health-counters.js";

const neutral = 0;
const healthyStatus = 1;
const unhealthyStatus = 2;

/** One flag per status code 0..999: a typed-array lookup instead of a Set per response. */
function statusTable(healthy: readonly number[], unhealthy: readonly number[]): Uint8Array {
  const table = new Uint8Array(1000);
  for (const status of healthy) if (status >= 0 && status < 1000) table[status] = healthyStatus;
  // A status listed on both sides counts as a failure: the safer reading.
  for (const status of unhealthy) if (status >= 0 && status < 1000) table[status] = unhealthyStatus;
  return table;
}

/** An upstream's `healthchecks`, compiled once per distinct setting for the per-response path. */
export class HealthPolicy {
  readonly passive: HealthThresholds;
  readonly active: HealthThresholds;
  /** False when every passive counter is 0: responses then skip the passive bookkeeping entirely. */
  readonly passiveEnabled: boolean;
  readonly #passiveStatuses: Uint8Array;
  readonly #activeStatuses: Uint8Array;
  readonly #passiveCountsStatuses: boolean;

  constructor(readonly checks: HealthChecks) {
    const { active, passive } = checks;
    this.passive = {
      successes: passive.healthy.successes,
      tcpFailures: passive.unhealthy.tcp_failures,
      timeouts: passive.unhealthy.timeouts,
      httpFailures: passive.unhealthy.http_failures,
    };
    this.active = {
      successes: active.healthy.successes,
      tcpFailures: active.unhealthy.tcp_failures,
      timeouts: active.unhealthy.timeouts,
      httpFailures: active.unhealthy.http_failures,
    };
    this.passiveEnabled = this.passive.successes + this.passive.tcpFailures + this.passive.timeouts + this.passive.httpFailures > 0;
    // A `tcp` passive check judges connections only: any response counts as a success.
    this.#passiveCountsStatuses = passive.type !== "tcp";
    this.#passiveStatuses = statusTable(passive.healthy.http_statuses, passive.unhealthy.http_statuses);
    this.#activeStatuses = statusTable(active.healthy.http_statuses, active.unhealthy.http_statuses);
  }

  /** The passive reading of a response status, or undefined when the status is in neither list. */
  passiveOutcome(status: number): HealthOutcome | undefined {
    if (!this.#passiveCountsStatuses) return "success";
    return classify(this.#passiveStatuses, status);
  }

  activeOutcome(status: number): HealthOutcome | undefined {
    return classify(this.#activeStatuses, status);
  }
}

function classify(table: Uint8Array, status: number): HealthOutcome | undefined {
  const flag = status >= 0 && status < 1000 ? table[status] : neutral;
  return flag === healthyStatus ? "success" : flag === unhealthyStatus ? "http" : undefined;
}
