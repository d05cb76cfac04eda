import { describe, expect, it } from "vitest";
import {
  DEFAULT_REFRESH_POLICY,
  REFRESH_SOURCES,
  SERIES_ACTIVITIES,
  dueAt,
  seriesActivity,
  stableFraction,
  type SourceState,
} from "../../src/refresh/policy.js";

const DAY = 86_400_000;
const now = new Date("2026-12-01T03:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);
const found = (at: Date): SourceState => ({ status: "found", lastAttemptAt: at, lastSuccessAt: at, missCount: 0 });

describe("seriesActivity", () => {
  it("classifies by TMDB status first, then by the last air date", () => {
    expect(seriesActivity({ status: "Returning Series", lastAirDate: daysAgo(4000) }, now)).toBe("active");
    expect(seriesActivity({ status: "In Production", lastAirDate: null }, now)).toBe("active");
    expect(seriesActivity({ status: "Ended", lastAirDate: daysAgo(30) }, now)).toBe("active");
    expect(seriesActivity({ status: "Ended", lastAirDate: daysAgo(200) }, now)).toBe("recently_ended");
    expect(seriesActivity({ status: "Canceled", lastAirDate: daysAgo(3 * 365) }, now)).toBe("ended");
    expect(seriesActivity({ status: "Ended", lastAirDate: daysAgo(20 * 365) }, now)).toBe("long_ended");
    expect(seriesActivity({ status: "Ended", lastAirDate: null }, now)).toBe("long_ended");
    expect(seriesActivity({ status: null, lastAirDate: null }, now)).toBe("active");
  });
});

describe("dueAt", () => {
  it("is due at once when never fetched", () => {
    expect(dueAt(1, "omdb", "ended", null, DEFAULT_REFRESH_POLICY, now)).toEqual(now);
  });

  it("refreshes active series more often than ended ones, and long-ended least, for every source", () => {
    for (const source of REFRESH_SOURCES) {
      const ages = SERIES_ACTIVITIES.map((a) => DEFAULT_REFRESH_POLICY.ageDays[source][a]);
      expect([...ages].sort((x, y) => x - y)).toEqual(ages);
      expect(ages[0]).toBeLessThan(ages[3] ?? 0);
    }
  });

  it("never lets a value get older than its age, and spreads due times of one harvest over the jitter window", () => {
    const success = daysAgo(0);
    const dues = Array.from({ length: 500 }, (_, id) => dueAt(id, "omdb", "ended", found(success), DEFAULT_REFRESH_POLICY, now).getTime());
    const age = DEFAULT_REFRESH_POLICY.ageDays.omdb.ended * DAY;
    for (const d of dues) {
      expect(d).toBeLessThanOrEqual(success.getTime() + age);
      expect(d).toBeGreaterThanOrEqual(success.getTime() + age * (1 - DEFAULT_REFRESH_POLICY.jitter));
    }
    // Spread: at least a tenth of the window apart between the earliest and latest.
    expect(Math.max(...dues) - Math.min(...dues)).toBeGreaterThan(age * DEFAULT_REFRESH_POLICY.jitter * 0.8);
  });

  it("keeps a series' due time stable between runs (same success, same due)", () => {
    const state = found(daysAgo(3));
    expect(dueAt(42, "rottentomatoes", "active", state, DEFAULT_REFRESH_POLICY, now)).toEqual(
      dueAt(42, "rottentomatoes", "active", state, DEFAULT_REFRESH_POLICY, daysAgo(-5)),
    );
    expect(stableFraction(42, "omdb", 1)).not.toBe(stableFraction(43, "omdb", 1));
  });

  it("backs off a series the source does not know: 7, 14, 28 … days, capped at 90", () => {
    const at = daysAgo(0);
    const wait = (misses: number) =>
      (dueAt(
        1,
        "omdb",
        "active",
        { status: "not_found", lastAttemptAt: at, lastSuccessAt: null, missCount: misses },
        DEFAULT_REFRESH_POLICY,
        now,
      ).getTime() -
        at.getTime()) /
      DAY;
    expect([1, 2, 3, 4, 5, 6].map(wait)).toEqual([7, 14, 28, 56, 90, 90]);
  });

  it("retries an error after a day, or at the earlier success's own due time when that is later", () => {
    const error = (success: Date | null): SourceState => ({ status: "error", lastAttemptAt: daysAgo(0), lastSuccessAt: success, missCount: 0 });
    expect(dueAt(1, "omdb", "active", error(null), DEFAULT_REFRESH_POLICY, now)).toEqual(new Date(now.getTime() + DAY));
    const fresh = daysAgo(1);
    expect(dueAt(1, "omdb", "long_ended", error(fresh), DEFAULT_REFRESH_POLICY, now).getTime()).toBeGreaterThan(now.getTime() + 40 * DAY);
  });
});
