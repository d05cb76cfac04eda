/**
 * End to end with the sites' season pages: a harvest from the replays follows the season links of the Rotten
 * Tomatoes and Metacritic series pages (at most SCRAPE_SEASON_PAGES_PER_SERIES per series: season 1 and the latest
 * aired), loads their scores as season-grain facts (`season_rating_fact`, `analytics.season_rating_history`), and
 * leaves every series-grain view exactly as a harvest without season pages does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { startHarness, type Harness } from "../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const NO_BROWSER = { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" };

/** The series-grain views analysts read, every column but the times of the run (two databases, two clocks), sorted. */
const SERIES_GRAIN_VIEWS = [
  "analytics.series_ratings",
  "analytics.latest_ratings",
  "analytics.rating_history",
  "analytics.weighted_ratings",
  "analytics.series_profile",
  "analytics.series_features",
  "public.ratings",
  "public.series",
];

async function seriesGrainSnapshot(harness: Harness): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const view of SERIES_GRAIN_VIEWS) {
    const rows = await harness.db.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(v) AS row FROM ${view} v`);
    out[view] = rows
      .map(({ row }) =>
        Object.fromEntries(
          Object.entries(row)
            .filter(([key]) => !/(_at|^harvest_date|^age_years)$/.test(key))
            // Page URLs name the replay's port, which differs between the two harvests.
            .map(([key, value]) => [key, typeof value === "string" ? value.replace(/^http:\/\/127\.0\.0\.1:\d+/, "http://replay") : value]),
        ),
      )
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

async function harvest(env: Record<string, string>): Promise<{ snapshot: Record<string, unknown[]>; harness: Harness }> {
  const harness = await startHarness({ ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) }, { env: { ...NO_BROWSER, ...env } });
  h = harness;
  const summary = await runHarvest(harness.app, { maxPages: 2 });
  expect(summary.status).toBe("succeeded");
  return { snapshot: await seriesGrainSnapshot(harness), harness };
}

const SEASON_ROWS = `SELECT series_id, season_number, source, score::float8, vote_count, vote_count_is_lower_bound AS lb, method
  FROM analytics.season_rating_history ORDER BY series_id, source, season_number`;

describe("harvest with the sites' season pages", () => {
  it("loads season-grain facts of season 1 and the latest aired seasons, and no series-grain view changes", async () => {
    const without = await harvest({ SCRAPE_SEASON_PAGES_PER_SERIES: "0" });
    expect(await without.harness.db.query(`SELECT count(*)::int AS n FROM season_rating_fact`)).toEqual([{ n: 0 }]);
    const seasonRequestsWithout = without.harness.upstreams.rottentomatoes.requests.filter((r) => /\/s\d+$/.test(r.key));
    expect(seasonRequestsWithout).toEqual([]);
    await without.harness.close();
    h = undefined;

    const withSeasons = await harvest({});
    const db = withSeasons.harness.db;
    const rows = await db.query<{
      series_id: number;
      season_number: number;
      source: string;
      score: number;
      vote_count: number | null;
      lb: boolean;
      method: string;
    }>(SEASON_ROWS);
    const bySeries = (id: number, source: string) =>
      rows.filter((r) => r.series_id === id && r.source === source).map((r) => [r.season_number, r.score, r.vote_count, r.lb]);
    // Breaking Bad: five seasons linked, four fetched (season 1 and the latest three), on both sites.
    expect(bySeries(1396, "rotten_tomatoes_critics")).toEqual([
      [1, 86, 42, false],
      [3, 100, 44, false],
      [4, 100, 52, false],
      [5, 97, 100, false],
    ]);
    expect(bySeries(1396, "rotten_tomatoes_audience")).toEqual([
      [1, 93, 25000, true],
      [3, 96, 10000, true],
      [4, 97, 10000, true],
      [5, 94, 50000, true],
    ]);
    expect(bySeries(1396, "metacritic_critics")).toEqual([
      [1, 74, 16, false],
      [3, 89, 10, false],
      [4, 96, 17, false],
      [5, 99, 27, false],
    ]);
    expect(bySeries(1396, "metacritic_users")).toEqual([
      [1, 8.7, 1900, false],
      [3, 9.2, 1200, false],
      [4, 9.4, 2600, false],
      [5, 9.6, 9800, false],
    ]);
    // Game of Thrones: eight seasons on Rotten Tomatoes only: 1, 6, 7, 8.
    expect(bySeries(1399, "rotten_tomatoes_critics")).toEqual([
      [1, 91, 104, false],
      [6, 94, 117, false],
      [7, 93, 166, false],
      [8, 55, 220, false],
    ]);
    expect(bySeries(1399, "metacritic_critics")).toEqual([]);
    // Severance: season 2 has no audience score yet ("- -", "tbd"): none, never a zero.
    expect(bySeries(95396, "rotten_tomatoes_audience")).toEqual([[1, 89, 2500, true]]);
    expect(bySeries(95396, "metacritic_users")).toEqual([[1, 8.6, 2100, false]]);
    expect(bySeries(95396, "metacritic_critics")).toEqual([
      [1, 83, 40, false],
      [2, 85, 39, false],
    ]);
    expect(new Set(rows.map((r) => r.series_id))).toEqual(new Set([1396, 1399, 95396]));
    expect(new Set(rows.map((r) => r.method))).toEqual(new Set(["json-ld", "scorecard-json", "testid-markup"]));
    // The season normalisation is the one of the series grain (Metacritic users 9.6 → 96).
    expect(
      await db.query(
        `SELECT score_normalized::float8 AS s FROM analytics.season_rating_history WHERE series_id = 1396 AND season_number = 5 AND source = 'metacritic_users'`,
      ),
    ).toEqual([{ s: 96 }]);

    // Politely bounded: season 2 of Breaking Bad and seasons 2–5 of Game of Thrones were never asked for.
    const asked = withSeasons.harness.upstreams.rottentomatoes.requests.map((r) => r.key);
    expect(asked.filter((k) => /^\/tv\/breaking_bad\/s\d+$/.test(k)).sort()).toEqual([
      "/tv/breaking_bad/s01",
      "/tv/breaking_bad/s03",
      "/tv/breaking_bad/s04",
      "/tv/breaking_bad/s05",
    ]);
    expect(asked.filter((k) => /^\/tv\/game_of_thrones\/s0[2-5]$/.test(k))).toEqual([]);

    // Season-grain scores are in no series-grain fact, and every series-grain view is as without season pages.
    expect(await db.query(`SELECT count(*)::int AS n FROM rating_fact WHERE grain <> 'series'`)).toEqual([{ n: 0 }]);
    expect(withSeasons.snapshot).toEqual(without.snapshot);
  });
});
