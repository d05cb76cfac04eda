/**
 * End to end with the ratings sites: a harvest from the replays fills the Rotten Tomatoes and Metacritic
 * columns; a second run where both sites answer with a changed layout keeps the known scores and records
 * the layout change (events, enrichment state, metric).
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

const SCORES = `SELECT series_id, tomatoes_critic::float8, tomatoes_critic_count, tomatoes_audience::float8, tomatoes_audience_count,
  metacritic::float8, metacritic_count, metauser::float8, metauser_count FROM analytics.series_ratings WHERE series_id = ANY($1::int[]) ORDER BY series_id`;

describe("harvest with the ratings sites", () => {
  it("fills the scraped columns, then keeps them through a layout change and records it", async () => {
    // No browser: the static pages are enough here (the fallback has its own tests in test/enrichers).
    h = await startHarness(
      { ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) },
      { env: { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: "/nonexistent/chromium" } },
    );
    const first = await runHarvest(h.app, { maxPages: 2 });
    expect(first.status).toBe("succeeded");
    expect(first.ratingsBySource.rotten_tomatoes_critics).toBe(15);
    expect(first.ratingsBySource.metacritic_critics).toBe(14);

    const expected = [
      // Breaking Bad: "250,000+ Ratings" is a lower bound, stored as 250000.
      {
        series_id: 1396,
        tomatoes_critic: 96,
        tomatoes_critic_count: 160,
        tomatoes_audience: 97,
        tomatoes_audience_count: 250000,
        metacritic: 87,
        metacritic_count: 16,
        metauser: 9.3,
        metauser_count: 24426,
      },
      // Band of Brothers has no page on either site: nulls, not another show's scores.
      {
        series_id: 4613,
        tomatoes_critic: null,
        tomatoes_critic_count: null,
        tomatoes_audience: null,
        tomatoes_audience_count: null,
        metacritic: null,
        metacritic_count: null,
        metauser: null,
        metauser_count: null,
      },
      // The Bear: Metacritic user score "tbd" is null, never 0.
      {
        series_id: 136315,
        tomatoes_critic: 97,
        tomatoes_critic_count: 400,
        tomatoes_audience: 82,
        tomatoes_audience_count: 2500,
        metacritic: 88,
        metacritic_count: 34,
        metauser: null,
        metauser_count: null,
      },
    ];
    expect(await h.db.query(SCORES, [[1396, 4613, 136315]])).toEqual(expected);
    const [lowerBound] = await h.db.query(
      `SELECT vote_count_is_lower_bound FROM rating_fact WHERE series_id = 1396 AND source_key = 'rotten_tomatoes_audience'`,
    );
    expect(lowerBound).toEqual({ vote_count_is_lower_bound: true });
    expect(await h.db.query(`SELECT count(*)::int AS n FROM scrape_event WHERE kind = 'layout_change'`)).toEqual([{ n: 0 }]);

    // The sites redesign: every page still answers 200, but no strategy finds a score.
    const changed = buildSiteRoutes(DEMO_CATALOGUE, { layoutChanged: true });
    for (const [key, route] of changed.rottentomatoes) h.upstreams.rottentomatoes.setRoute(key, route);
    for (const [key, route] of changed.metacritic) h.upstreams.metacritic.setRoute(key, route);
    // A full run scrapes every page again (an incremental one minutes later would find none due).
    const second = await runHarvest(h.app, { maxPages: 2, full: true });
    expect(second.status).toBe("succeeded");
    expect(second.ratingsBySource.rotten_tomatoes_critics).toBeUndefined();
    expect(await h.db.query(SCORES, [[1396, 4613, 136315]])).toEqual(expected);
    const events = await h.db.query<{ site: string; n: number }>(
      `SELECT site, count(*)::int AS n FROM scrape_event WHERE kind = 'layout_change' AND run_id = $1 GROUP BY site ORDER BY site`,
      [second.runId],
    );
    expect(events).toEqual([
      { site: "metacritic", n: 14 },
      { site: "rottentomatoes", n: 15 },
    ]);
    expect(await h.db.query(`SELECT status FROM enrichment_state WHERE series_id = 1396 AND source <> 'tmdb' ORDER BY source`)).toEqual([
      { status: "layout_changed" },
      { status: "found" },
      { status: "layout_changed" },
    ]);
    const metric = await h.app.metrics.registry.getSingleMetric("tv_harvester_scraper_layout_changes_total")?.get();
    expect(metric?.values.reduce((n, v) => n + v.value, 0)).toBe(29);
  });
});
