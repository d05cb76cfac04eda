/**
 * `Retry-After` parsing (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
 *
 * Returns the wait in seconds, never less than `minimumSeconds` (TMDB can answer `Retry-After: 0`, which
 * would otherwise turn into a busy loop), and `fallbackSeconds` when the header is absent or unparsable.
 *
 * @param value   the header value, or undefined
 * @param nowMs   the current time (ms since epoch), for HTTP-dates
 */
export function parseRetryAfter(
  value: string | undefined | null,
  nowMs: number,
  options: { minimumSeconds?: number; fallbackSeconds?: number; maximumSeconds?: number } = {},
): number {
  const minimum = options.minimumSeconds ?? 1;
  const fallback = options.fallbackSeconds ?? 1;
  const maximum = options.maximumSeconds ?? 3600;
  const clamp = (s: number) => Math.min(maximum, Math.max(minimum, s));
  if (value === undefined || value === null) return clamp(fallback);
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return clamp(Number(text));
  const date = Date.parse(text);
  if (Number.isNaN(date)) return clamp(fallback);
  return clamp(Math.ceil((date - nowMs) / 1000));
}
