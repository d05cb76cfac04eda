import { describe, expect, it } from "vitest";
import type { RefreshCandidate } from "../../src/load/enrichment-state.js";
import { DEFAULT_REFRESH_POLICY } from "../../src/refresh/policy.js";
import { dueNow, dueTimes, overdueStat } from "../../src/refresh/due-times.js";
import { isTopUpDay } from "../../src/ops/topup.js";

const DAY = 86_400_000;
const now = new Date("2026-12-01T03:00:00Z");
const daysAgo = (n: number) => new Date(now.getTime() - n * DAY);
const candidate = (seriesId: number, status: string, lastSuccessDaysAgo: number | null, extra: Partial<RefreshCandidate> = {}): RefreshCandidate => ({
  seriesId,
  status,
  lastAirDate: status === "Ended" ? daysAgo(3 * 365) : daysAgo(10),
  imdbId: `tt${String(seriesId).padStart(7, "0")}`,
  state:
    lastSuccessDaysAgo === null
      ? null
      : { status: "found", lastAttemptAt: daysAgo(lastSuccessDaysAgo), lastSuccessAt: daysAgo(lastSuccessDaysAgo), missCount: 0 },
  ...extra,
});

describe("dueTimes / dueNow", () => {
  it("orders most overdue first: never asked, then by due time; values within their age are not due", () => {
    const candidates = [
      candidate(1, "Ended", 20), // ended: age 30 days, not due
      candidate(2, "Returning Series", 8), // active: age 7, overdue by a day or more
      candidate(3, "Returning Series", null), // never asked: due now
      candidate(4, "Ended", 40), // ended, 10+ days overdue
      candidate(5, "Returning Series", 1), // fresh
    ];
    const due = dueTimes(candidates, "omdb", DEFAULT_REFRESH_POLICY, now);
    // 4 was due ~10 days ago, 2 about a day ago (jitter brings it forward), 3 is due at this instant.
    expect(dueNow(due, now)).toEqual([4, 2, 3]);
  });

  it("backs a not-found series off instead of putting it first", () => {
    const miss = candidate(7, "Returning Series", null, {
      state: { status: "not_found", lastAttemptAt: daysAgo(3), lastSuccessAt: null, missCount: 1 },
    });
    const due = dueTimes([miss, candidate(8, "Returning Series", 8)], "omdb", DEFAULT_REFRESH_POLICY, now);
    expect(dueNow(due, now)).toEqual([8]);
    expect(due.find((d) => d.seriesId === 7)?.dueAt).toEqual(new Date(daysAgo(3).getTime() + 7 * DAY));
  });
});

describe("overdueStat", () => {
  it("counts overdue series, series without a value, and the oldest value's age", () => {
    const due = dueTimes(
      [candidate(1, "Ended", 40), candidate(2, "Returning Series", 2), candidate(3, "Ended", null)],
      "omdb",
      DEFAULT_REFRESH_POLICY,
      now,
    );
    expect(overdueStat(due, now)).toEqual({ overdue: 2, withoutValue: 1, oldestValueAgeSeconds: 40 * 86_400 });
    expect(overdueStat([], now)).toEqual({ overdue: 0, withoutValue: 0, oldestValueAgeSeconds: null });
  });
});

describe("isTopUpDay", () => {
  it("is false on the days of the weekly harvest, whatever the time of the tick", () => {
    expect(isTopUpDay("0 3 * * 1", new Date("2026-11-30T00:00:00Z"))).toBe(false); // Monday, before the slot
    expect(isTopUpDay("0 3 * * 1", new Date("2026-11-30T23:00:00Z"))).toBe(false);
    expect(isTopUpDay("0 3 * * 1", new Date("2026-12-01T04:00:00Z"))).toBe(true);
    expect(isTopUpDay("0 3 1 * *", new Date("2026-12-15T04:00:00Z"))).toBe(true);
  });
});
