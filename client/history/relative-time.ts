/** "5 minutes ago" for a version's time, in the reader's language. */

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/**
 * How long before `now` the time `then` was (both in ms since the epoch), in the largest unit
 * that fits: "now" under a minute (and for a clock a little ahead), "3 minutes ago",
 * "yesterday", "2 weeks ago".
 * @example relativeTime(Date.now() - 90_000) // "1 minute ago"
 */
export function relativeTime(then: number, now: number = Date.now(), locale?: string): string {
  const elapsed = now - then;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) return format.format(-Math.floor(elapsed / size), unit);
  }
  return format.format(0, 'second');
}
