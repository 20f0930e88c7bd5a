import { describe, expect, it } from "vitest";
import { parseHttpDate } from "./http-date.js";

const newYear2026 = Date.UTC(2026, 0, 1) / 1000;

describe("parseHttpDate", () => {
  it("reads RFC 1123, RFC 850 and asctime dates", () => {
    expect(parseHttpDate("Thu, 01 Jan 2026 00:00:00 GMT")).toBe(newYear2026);
    expect(parseHttpDate("Thursday, 01-Jan-26 00:00:00 GMT")).toBe(newYear2026);
    expect(parseHttpDate("Thu Jan  1 00:00:00 2026")).toBe(newYear2026);
    expect(parseHttpDate("Thu Jan 15 12:30:45 2026")).toBe(Date.UTC(2026, 0, 15, 12, 30, 45) / 1000);
  });

  it("maps two-digit RFC 850 years as nginx does", () => {
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(Date.UTC(1994, 10, 6, 8, 49, 37) / 1000);
    expect(parseHttpDate("Monday, 01-Jan-69 00:00:00 GMT")).toBe(Date.UTC(2069, 0, 1) / 1000);
  });

  it("agrees with Date#toUTCString output", () => {
    const now = new Date(Date.UTC(2030, 5, 15, 23, 59, 59));
    expect(parseHttpDate(now.toUTCString())).toBe(now.getTime() / 1000);
  });

  it.each([
    "wrong date",
    "",
    "2026-01-01T00:00:00Z",
    "Thu, 1 Jan 2026 00:00:00 GMT",
    "Thu, 01 jan 2026 00:00:00 GMT",
    "Thu, 01 Jan 2026 00:00:00 UTC",
    "Thu, 01 Jan 2026 24:00:00 GMT",
    "Thu, 01 Jan 2026 00:60:00 GMT",
    "Thu, 32 Jan 2026 00:00:00 GMT",
    "Thu, 29 Feb 2026 00:00:00 GMT",
    "Thu, 31 Apr 2026 00:00:00 GMT",
    "Thu, 00 Jan 2026 00:00:00 GMT",
    "Thu, 01 Foo 2026 00:00:00 GMT",
    "Thu, 01 Jan 2026 00:00:00 GMT trailing",
  ])("refuses %j", (value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });

  it("accepts 29 February in a leap year", () => {
    expect(parseHttpDate("Thu, 29 Feb 2028 00:00:00 GMT")).toBe(Date.UTC(2028, 1, 29) / 1000);
  });
});
