/**
 * A simulated fortnight of `serve` (issue 11): 3,000 series, OMDb's 1,000 lookups a day, the default refresh ages, the
 * weekly harvest on Mondays 03:00 and top-ups daily 04:00, driven through the schedulers' own decisions with an injected
 * clock (no cron waits) against replays that answer at once. At the end no series holds an IMDb value older than its
 * refresh age; the top-ups did the catching up after the first harvest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { DEFAULT_REFRESH_POLICY, seriesActivity } from "../../src/refresh/policy.js";
import { syntheticSeeds, type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
import { TopUpScheduler, isTopUpDay } from "../../src/ops/topup.js";
import { startHarness, type Harness } from "../helpers/harness.js";

const DAY = 86_400_000;
const HARVEST = "0 3 * * 1";
const TOPUP = "0 4 * * *";

let h: Harness;
beforeAll(async () => {
  const dataset: ReplayDataset = apiOnlyDataset(syntheticSeeds(3000));
  h = await startHarness(dataset, {
    env: { OMDB_DAILY_BUDGET: "1000", TMDB_REQUESTS_PER_SECOND: "2000", OMDB_REQUESTS_PER_SECOND: "2000", LOG_LEVEL: "warn" },
  });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("a fortnight of serve", () => {
  it("skips top-ups on harvest days only", () => {
    expect(isTopUpDay(HARVEST, new Date("2026-11-02T04:00:00Z"))).toBe(false); // Monday
    expect(isTopUpDay(HARVEST, new Date("2026-11-03T04:00:00Z"))).toBe(true);
    expect(isTopUpDay(HARVEST, new Date("2026-11-08T23:59:00Z"))).toBe(true); // Sunday
  });

  it("leaves no series with an IMDb value older than its refresh age, with 1,000 OMDb lookups a day for 3,000 series", async () => {
    let now = new Date("2026-11-02T03:00:00Z"); // a Monday
    const app = await h.newApp(() => now);
    let harvesting = false;
    const topUps = new TopUpScheduler({
      schedule: TOPUP,
      harvestSchedule: HARVEST,
      now: () => now,
      busy: () => harvesting,
      logger: app.logger,
      topUp: () => runHarvest(app, { topup: true, trigger: "topup", scrape: false }),
    });
    const outcomes: string[] = [];
    let omdbAfterFirstRun = 0;
    for (let day = 0; day < 15; day += 1) {
      const weeklySlot = new Date(Date.parse("2026-11-02T03:00:00Z") + day * DAY);
      if (!isTopUpDay(HARVEST, weeklySlot)) {
        now = weeklySlot;
        harvesting = true;
        const summary = await runHarvest(app, { trigger: "schedule", scrape: false });
        harvesting = false;
        expect(summary.status).toBe("succeeded");
        outcomes.push(`${day}:harvest:${summary.refresh?.kind}:${summary.omdb.lookedUp}`);
        if (day === 0) omdbAfterFirstRun = h.upstreams.omdb.count();
      }
      now = new Date(weeklySlot.getTime() + 3_600_000);
      outcomes.push(`${day}:topup:${await topUps.onTick(now)}`);
    }
    expect(omdbAfterFirstRun).toBe(1000);
    expect(outcomes.filter((o) => o.endsWith(":skipped_harvest_day"))).toEqual([
      "0:topup:skipped_harvest_day",
      "7:topup:skipped_harvest_day",
      "14:topup:skipped_harvest_day",
    ]);
    expect(outcomes).toContain("7:harvest:incremental:" + outcomes.find((o) => o.startsWith("7:harvest"))?.split(":")[3]);

    // Every series' latest IMDb value against its refresh age (the default ages), at the end of the fortnight.
    const rows = await h.db.query<{ series_id: number; status: string | null; last_air: Date | null; success: Date | null }>(
      `SELECT s.series_id, s.status, COALESCE(s.last_air_date, s.first_air_date)::timestamptz AS last_air, e.last_success_at AS success
       FROM series_dim s LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = 'omdb'`,
    );
    expect(rows).toHaveLength(3000);
    const tooOld = rows.filter((r) => {
      if (r.success === null) return true;
      const age = DEFAULT_REFRESH_POLICY.ageDays.omdb[seriesActivity({ status: r.status, lastAirDate: r.last_air }, now)];
      return now.getTime() - r.success.getTime() > age * DAY;
    });
    expect(tooOld).toEqual([]);
    // OMDb never went past its budget on any day.
    const days = await h.db.query<{ requests_used: number }>(`SELECT requests_used FROM omdb_budget`);
    expect(Math.max(...days.map((d) => d.requests_used))).toBeLessThanOrEqual(1000);
  }, 600_000);
});
