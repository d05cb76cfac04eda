import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/http/retry-after.js";

const NOW = Date.parse("2026-11-21T10:00:00Z");

describe("parseRetryAfter", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("7", NOW)).toBe(7);
    expect(parseRetryAfter(" 2.5 ", NOW)).toBe(2.5);
  });
  it("treats 0 as at least one second (TMDB can send Retry-After: 0)", () => {
    expect(parseRetryAfter("0", NOW)).toBe(1);
  });
  it("reads an HTTP-date relative to now", () => {
    expect(parseRetryAfter("Sat, 21 Nov 2026 10:00:30 GMT", NOW)).toBe(30);
    expect(parseRetryAfter("Sat, 21 Nov 2026 09:59:00 GMT", NOW)).toBe(1);
  });
  it("falls back when absent or unparsable, and caps absurd values", () => {
    expect(parseRetryAfter(undefined, NOW)).toBe(1);
    expect(parseRetryAfter("soon", NOW, { fallbackSeconds: 5 })).toBe(5);
    expect(parseRetryAfter("999999", NOW)).toBe(3600);
  });
});
