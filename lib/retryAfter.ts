/**
 * Converts a Retry-After header (delay in seconds, or an HTTP date) into
 * milliseconds from `now`. Returns undefined when absent or unreadable.
 * RFC 9110, section 10.2.3.
 */
export function parseRetryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null) {
    return undefined;
  }
  const text = header.trim();
  if (/^\d+$/.test(text)) {
    return Number(text) * 1000;
  }
  // HTTP dates start with the day name (IMF-fixdate, RFC 850, asctime); this
  // keeps Date.parse from reading values such as "-5" or "1.5" as dates.
  const dateMs = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(dateMs)) {
    return undefined;
  }
  return Math.max(0, dateMs - now.getTime());
}
