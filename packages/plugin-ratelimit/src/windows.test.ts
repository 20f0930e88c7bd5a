import { describe, expect, it } from "vitest";
import {
  counterTtlMs,
  nextWindowStart,
  periodSeconds,
  previousWeight,
  previousWindowStart,
  resetSeconds,
  windowStart,
} from "./windows.js";

const at = (iso: string) => Date.parse(iso);

describe("windowStart: UTC calendar boundaries", () => {
  const now = at("2026-03-14T10:37:15.250Z");
  it.each([
    ["second", "2026-03-14T10:37:15.000Z"],
    ["minute", "2026-03-14T10:37:00.000Z"],
    ["hour", "2026-03-14T10:00:00.000Z"],
    ["day", "2026-03-14T00:00:00.000Z"],
    ["month", "2026-03-01T00:00:00.000Z"],
    ["year", "2026-01-01T00:00:00.000Z"],
  ] as const)("%s starts at %s", (period, expected) => {
    expect(windowStart(period, now)).toBe(at(expected));
  });

  it("the last millisecond of a month or year stays in it; the next one starts a new window", () => {
    expect(windowStart("month", at("2026-02-28T23:59:59.999Z"))).toBe(at("2026-02-01T00:00:00Z"));
    expect(windowStart("month", at("2026-03-01T00:00:00.000Z"))).toBe(at("2026-03-01T00:00:00Z"));
    expect(windowStart("month", at("2024-02-29T12:00:00Z"))).toBe(at("2024-02-01T00:00:00Z"));
    expect(windowStart("year", at("2026-12-31T23:59:59.999Z"))).toBe(at("2026-01-01T00:00:00Z"));
    expect(windowStart("year", at("2027-01-01T00:00:00.000Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(windowStart("day", at("2026-03-14T23:59:59.999Z"))).toBe(at("2026-03-14T00:00:00Z"));
  });
});

describe("next and previous windows", () => {
  it("follow the calendar for month and year, across year ends", () => {
    expect(nextWindowStart("month", at("2026-12-01T00:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(previousWindowStart("month", at("2026-01-01T00:00:00Z"))).toBe(at("2025-12-01T00:00:00Z"));
    expect(previousWindowStart("month", at("2026-03-01T00:00:00Z"))).toBe(at("2026-02-01T00:00:00Z"));
    expect(nextWindowStart("year", at("2026-01-01T00:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(previousWindowStart("year", at("2026-01-01T00:00:00Z"))).toBe(at("2025-01-01T00:00:00Z"));
  });
  it("are one fixed length away for second..day", () => {
    expect(nextWindowStart("second", 5000)).toBe(6000);
    expect(previousWindowStart("minute", 120_000)).toBe(60_000);
    expect(nextWindowStart("hour", 0)).toBe(3_600_000);
    expect(previousWindowStart("day", 86_400_000)).toBe(0);
  });
});

describe("resetSeconds: Kong's nominal lengths", () => {
  it("uses 30 and 365 days for month and year", () => {
    expect(periodSeconds).toEqual({ second: 1, minute: 60, hour: 3600, day: 86400, month: 2592000, year: 31536000 });
  });
  it("a second window always resets in 1; a minute at :15 in 45", () => {
    const now = at("2026-03-14T10:37:15.900Z");
    expect(resetSeconds("second", now, windowStart("second", now))).toBe(1);
    expect(resetSeconds("minute", now, windowStart("minute", now))).toBe(45);
    expect(resetSeconds("hour", now, windowStart("hour", now))).toBe(3600 - 37 * 60 - 15);
    expect(resetSeconds("day", now, windowStart("day", now))).toBe(86400 - (10 * 3600 + 37 * 60 + 15));
  });
  it("month and year count from the calendar start with the nominal length, never below 1", () => {
    const march2 = at("2026-03-02T00:00:00Z");
    expect(resetSeconds("month", march2, windowStart("month", march2))).toBe(2592000 - 86400);
    const march31 = at("2026-03-31T12:00:00Z");
    expect(resetSeconds("month", march31, windowStart("month", march31))).toBe(1);
    const jan2 = at("2026-01-02T00:00:00Z");
    expect(resetSeconds("year", jan2, windowStart("year", jan2))).toBe(31536000 - 86400);
    const dec31 = at("2026-12-31T23:00:00Z");
    expect(resetSeconds("year", dec31, windowStart("year", dec31))).toBe(3600);
    // 2024 is a leap year: its last day is past the nominal 365.
    const leapDec31 = at("2024-12-31T23:00:00Z");
    expect(resetSeconds("year", leapDec31, windowStart("year", leapDec31))).toBe(1);
  });
});

describe("counter TTL and sliding weight", () => {
  it("a counter lives to the calendar end of its window, one window more when sliding", () => {
    const now = at("2026-03-14T10:37:15Z");
    expect(counterTtlMs("minute", now, windowStart("minute", now), false)).toBe(45_000);
    expect(counterTtlMs("minute", now, windowStart("minute", now), true)).toBe(105_000);
    const march31 = at("2026-03-31T12:00:00Z");
    expect(counterTtlMs("month", march31, windowStart("month", march31), false)).toBe(12 * 3_600_000);
    expect(counterTtlMs("second", 1999, 1000, false)).toBe(1000);
  });
  it("the previous window weighs 1 at the boundary, 0.5 half-way, 0 past the nominal end", () => {
    expect(previousWeight("minute", 60_000, 60_000)).toBe(1);
    expect(previousWeight("minute", 90_000, 60_000)).toBe(0.5);
    const march31 = at("2026-03-31T12:00:00Z");
    expect(previousWeight("month", march31, windowStart("month", march31))).toBe(0);
  });
});
