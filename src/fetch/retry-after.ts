const DELTA_SECONDS = /^\d+$/;
// IMF-fixdate and RFC 850 dates end in GMT; asctime dates end in the year and mean GMT too.
const GMT_DATE = /GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/**
 * Turns a `Retry-After` header (delta-seconds or an HTTP date, RFC 9110
 * section 10.2.3) into milliseconds in [0, cap]; `undefined` when the header
 * is missing or malformed.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from 'breakwater/fetch';
 * parseRetryAfter('120', Date.now(), 60_000); // 60000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number, cap: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (DELTA_SECONDS.test(text)) return Math.min(Number(text) * 1000, cap);
  let at: number;
  if (GMT_DATE.test(text)) at = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  else return undefined;
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - nowMs), cap);
}
