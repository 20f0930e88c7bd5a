import type { Logger } from "@portcullis/sdk";

/** Writes to `logger` at `level` unless the throttle is closed; the logger is given per call (the request's). */
export type ThrottledLog = (
  logger: Logger,
  level: "warn" | "error",
  message: string,
  fields?: Readonly<Record<string, unknown>>,
) => void;

/**
 * Lets at most one line through per `intervalMs`: a Redis outage under load must not flood the logs. The next line
 * written reports how many were suppressed in between.
 */
export function throttleLog(intervalMs: number, now: () => number): ThrottledLog {
  let nextAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (logger, level, message, fields) => {
    const at = now();
    if (at < nextAt) {
      suppressed++;
      return;
    }
    nextAt = at + intervalMs;
    logger[level](message, suppressed === 0 ? fields : { ...fields, suppressed });
    suppressed = 0;
  };
}
