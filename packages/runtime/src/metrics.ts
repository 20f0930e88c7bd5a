/**
 * In-process counters rendered in Prometheus text format by the admin endpoint. Increments are plain Map and
 * array updates: a request pays a few hash lookups, never an allocation beyond the first request of a series.
 */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export class Metrics {
  /** By route, then by status: no key string is built per request. */
  readonly #requests = new Map<string, Map<number, number>>();
  readonly #latencyCounts = new Array<number>(latencyBuckets.length + 1).fill(0);
  #latencySum = 0;
  #latencyCount = 0;
  readonly #upstreamErrors = new Map<string, number>();
  readonly #pluginErrors = new Map<string, number>();
  readonly #healthChanges = new Map<string, number>();
  #reloads = 0;
  #reloadFailures = 0;

  recordRequest(route: string, status: number, seconds: number): void {
    let byStatus = this.#requests.get(route);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.#requests.set(route, byStatus);
    }
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let index = 0;
    while (index < latencyBuckets.length && seconds > latencyBuckets[index]!) index++;
    this.#latencyCounts[index]!++;
    this.#latencySum += seconds;
    this.#latencyCount++;
  }

  recordUpstreamError(kind: string): void {
    this.#upstreamErrors.set(kind, (this.#upstreamErrors.get(kind) ?? 0) + 1);
  }

  recordPluginError(plugin: string, phase: string): void {
    const key = `${plugin}\u0000${phase}`;
    this.#pluginErrors.set(key, (this.#pluginErrors.get(key) ?? 0) + 1);
  }

  recordHealthChange(target: string, state: string): void {
    const key = `${target}\u0000${state}`;
    this.#healthChanges.set(key, (this.#healthChanges.get(key) ?? 0) + 1);
  }

  recordReload(ok: boolean): void {
    if (ok) this.#reloads++;
    else this.#reloadFailures++;
  }

  get totalRequests(): number {
    return this.#latencyCount;
  }

  render(): string {
    const lines: string[] = [];
    lines.push("# HELP portcullis_requests_total Requests handled, by route and status.", "# TYPE portcullis_requests_total counter");
    for (const [route, byStatus] of this.#requests) {
      for (const [status, count] of byStatus) lines.push(`portcullis_requests_total{route="${escapeLabel(route)}",status="${status}"} ${count}`);
    }
    lines.push("# HELP portcullis_request_duration_seconds Time from request arrival to the end of the response.", "# TYPE portcullis_request_duration_seconds histogram");
    let cumulative = 0;
    for (let index = 0; index < latencyBuckets.length; index++) {
      cumulative += this.#latencyCounts[index]!;
      lines.push(`portcullis_request_duration_seconds_bucket{le="${latencyBuckets[index]}"} ${cumulative}`);
    }
    cumulative += this.#latencyCounts[latencyBuckets.length]!;
    lines.push(`portcullis_request_duration_seconds_bucket{le="+Inf"} ${cumulative}`);
    lines.push(`portcullis_request_duration_seconds_sum ${this.#latencySum}`, `portcullis_request_duration_seconds_count ${this.#latencyCount}`);
    lines.push("# HELP portcullis_upstream_errors_total Upstream failures, by kind.", "# TYPE portcullis_upstream_errors_total counter");
    for (const [kind, count] of this.#upstreamErrors) lines.push(`portcullis_upstream_errors_total{kind="${escapeLabel(kind)}"} ${count}`);
    lines.push("# HELP portcullis_plugin_errors_total Plugin handler failures, by plugin and phase.", "# TYPE portcullis_plugin_errors_total counter");
    for (const [key, count] of this.#pluginErrors) {
      const [plugin, phase] = key.split("\u0000");
      lines.push(`portcullis_plugin_errors_total{plugin="${escapeLabel(plugin!)}",phase="${phase}"} ${count}`);
    }
    lines.push("# HELP portcullis_target_health_changes_total Target health transitions.", "# TYPE portcullis_target_health_changes_total counter");
    for (const [key, count] of this.#healthChanges) {
      const [target, state] = key.split("\u0000");
      lines.push(`portcullis_target_health_changes_total{target="${escapeLabel(target!)}",state="${state}"} ${count}`);
    }
    lines.push("# HELP portcullis_config_reloads_total Config reloads, by result.", "# TYPE portcullis_config_reloads_total counter");
    lines.push(`portcullis_config_reloads_total{result="success"} ${this.#reloads}`, `portcullis_config_reloads_total{result="failure"} ${this.#reloadFailures}`);
    return `${lines.join("\n")}\n`;
  }
}
