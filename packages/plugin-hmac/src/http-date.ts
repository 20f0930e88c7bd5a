/**
 * HTTP dates as nginx's `ngx_parse_http_time` reads them (Kong's `ngx.parse_http_time`): RFC 1123
 * (`Thu, 01 Jan 2026 00:00:00 GMT`), RFC 850 (`Thursday, 01-Jan-26 00:00:00 GMT`) and asctime
 * (`Thu Jan  1 00:00:00 2026`). Anything else is not a date, so a client cannot slip a lenient `Date.parse`
 * format past the clock-skew check.
 */

const rfc1123 = /^[A-Za-z]+, *(\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/;
const rfc850 = /^[A-Za-z]+, *(\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/;
const asctime = /^[A-Za-z]+ ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})\s*$/;

const months: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};
const daysInMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function toSeconds(year: number, monthName: string, day: number, hour: number, minute: number, second: number) {
  const month = months[monthName];
  if (month === undefined || hour > 23 || minute > 59 || second > 59 || day < 1) return undefined;
  if (day > daysInMonth[month]!) return undefined;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (month === 1 && day === 29 && !leap) return undefined;
  return Date.UTC(year, month, day, hour, minute, second) / 1000;
}

/** Seconds since the epoch, or undefined when `value` is not an HTTP date nginx would accept. */
export function parseHttpDate(value: string): number | undefined {
  let match = rfc1123.exec(value);
  if (match !== null) {
    return toSeconds(Number(match[3]), match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = rfc850.exec(value);
  if (match !== null) {
    const shortYear = Number(match[3]);
    const year = shortYear + (shortYear < 70 ? 2000 : 1900);
    return toSeconds(year, match[2]!, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = asctime.exec(value);
  if (match !== null) {
    return toSeconds(Number(match[6]), match[1]!, Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
  }
  return undefined;
}
