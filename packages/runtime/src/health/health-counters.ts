/** What one observation of a target says about its health. */
export type HealthOutcome = "success" | "tcp" | "timeout" | "http";

/** Kong's thresholds for one kind of check (active or passive); 0 disables a counter. */
export interface HealthThresholds {
  readonly successes: number;
  readonly tcpFailures: number;
  readonly timeouts: number;
  readonly httpFailures: number;
}

/**
 * Kong's health counters (lua-resty-healthcheck): a success clears the failure counters and a failure clears the
 * success counter, so thresholds count uninterrupted runs. Successes only count while unhealthy and failures only
 * while healthy; crossing a threshold flips the health and clears every counter.
 */
export class HealthCounters {
  successes = 0;
  tcpFailures = 0;
  timeouts = 0;
  httpFailures = 0;

  /** Returns the new health when this outcome crosses a threshold, otherwise undefined. */
  apply(outcome: HealthOutcome, healthy: boolean, limits: HealthThresholds): boolean | undefined {
    if (outcome === "success") {
      this.tcpFailures = this.timeouts = this.httpFailures = 0;
      if (healthy || limits.successes === 0) return undefined;
      if (++this.successes < limits.successes) return undefined;
      this.reset();
      return true;
    }
    this.successes = 0;
    if (!healthy) return undefined;
    let count: number;
    let limit: number;
    if (outcome === "tcp") {
      limit = limits.tcpFailures;
      count = limit === 0 ? 0 : ++this.tcpFailures;
    } else if (outcome === "timeout") {
      limit = limits.timeouts;
      count = limit === 0 ? 0 : ++this.timeouts;
    } else {
      limit = limits.httpFailures;
      count = limit === 0 ? 0 : ++this.httpFailures;
    }
    if (limit === 0 || count < limit) return undefined;
    this.reset();
    return false;
  }

  reset(): void {
    this.successes = this.tcpFailures = this.timeouts = this.httpFailures = 0;
  }
}
