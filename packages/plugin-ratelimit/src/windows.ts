/**
 * Window arithmetic, as Kong's `kong/tools/timestamp.lua` and `expiration.lua`: windows start on UTC calendar
 * boundaries (month on the 1st, year on Jan 1), but a month counts as 30 days and a year as 365 for the reset.
 */

export const periods = ["second", "minute", "hour", "day", "month", "year"] as const;
export type Period = (typeof periods)[number];

/** Kong's window lengths in seconds, used for the reset value whatever the calendar says. */
export const periodSeconds: Readonly<Record<Period, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86400,
  month: 2592000,
  year: 31536000,
};

const fixedLengthMs: Readonly<Record<Exclude<Period, "month" | "year">, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Epoch milliseconds of the start of the window that contains `nowMs`. */
export function windowStart(period: Period, nowMs: number): number {
  if (period === "month" || period === "year") {
    const date = new Date(nowMs);
    return period === "month" ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) : Date.UTC(date.getUTCFullYear(), 0, 1);
  }
  const length = fixedLengthMs[period];
  return Math.floor(nowMs / length) * length;
}

/** Epoch milliseconds of the start of the window after the one starting at `start`: the calendar boundary. */
export function nextWindowStart(period: Period, start: number): number {
  if (period === "month" || period === "year") {
    const date = new Date(start);
    return period === "month" ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) : Date.UTC(date.getUTCFullYear() + 1, 0, 1);
  }
  return start + fixedLengthMs[period];
}

/** Epoch milliseconds of the start of the window before the one starting at `start`. */
export function previousWindowStart(period: Period, start: number): number {
  if (period === "month" || period === "year") {
    const date = new Date(start);
    return period === "month" ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - 1, 1) : Date.UTC(date.getUTCFullYear() - 1, 0, 1);
  }
  return start - fixedLengthMs[period];
}

/**
 * Kong's `RateLimit-Reset`: seconds left in the window, at least 1, with the nominal 30/365-day lengths.
 * On the 31st of a month this is 1 although the calendar window lasts until midnight: Kong does the same.
 */
export function resetSeconds(period: Period, nowMs: number, start: number): number {
  return Math.max(1, periodSeconds[period] - Math.floor((nowMs - start) / 1000));
}

/**
 * For the sliding window: how much of the previous window still overlaps the sliding one, from 1 at the start of
 * the current window down to 0 at its nominal end.
 */
export function previousWeight(period: Period, nowMs: number, start: number): number {
  const elapsed = (nowMs - start) / (periodSeconds[period] * 1000);
  return elapsed >= 1 ? 0 : 1 - elapsed;
}

/**
 * Milliseconds a counter for the window starting at `start` must live: to the calendar end of its window, and one
 * window more when the sliding window reads it as the previous one. Never less than one second.
 * Kong's TTL is the nominal length from the first hit, which lets a 31-day month's counter expire a day early.
 */
export function counterTtlMs(period: Period, nowMs: number, start: number, sliding: boolean): number {
  const end = nextWindowStart(period, start);
  const keepUntil = sliding ? nextWindowStart(period, end) : end;
  return Math.max(1000, keepUntil - nowMs);
}
