/**
 * Incremental harvests end to end (issue 11), against the replays into a real PostgreSQL with an injected clock: a
 * second run of an unchanged catalogue fetches no details and no OMDb rating, carries every series forward (the views
 * and their attributes unchanged), writes TMDB's weekly fact from the listing, and keeps the IMDb null ratio and the
 * trend steady; a series in /tv/changes is fetched again; --refresh and --full force; OMDb's "not found" backs off;
 * OMDb asks the most overdue series first; a top-up run keeps every series in the views.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { formatSummary } from "../../src/pipeline/summary.js";
import { omdbKey, tmdbDetails, tmdbKey, type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
import { startHarness, type Harness } from "../helpers/harness.js";

function apiDataset(): ReplayDataset {
  return apiOnlyDataset(DEMO_CATALOGUE);
}

const harnesses: Harness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});
async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  const h = await startHarness(...args);
  harnesses.push(h);
  return h;
}

const DAY = 86_400_000;
const count = async (h: Harness, sql: string) => (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;
const detailRequests = (h: Harness) => h.upstreams.tmdb.requests.filter((r) => r.key.startsWith("/3/tv/") && /^\/3\/tv\/\d+/.test(r.key)).length;
const VIEWS_SQL = `SELECT s.series_id, s.title, s.status, s.number_of_seasons, r.imdb_rating, r.imdb_votes, r.tmdb_score, r.genres, r.networks
  FROM analytics.series_ratings r JOIN published_series_version s USING (series_id) ORDER BY s.series_id`;

describe("incremental harvest", () => {
  it("a second run of an unchanged catalogue fetches no details and no OMDb rating, and every view stays as it was", async () => {
    const h = await harness(apiDataset());
    let now = new Date("2026-11-23T03:00:00Z");
    const app = await h.newApp(() => now);
    const first = await runHarvest(app, { maxPages: 2, scrape: false });
    expect(first.status).toBe("succeeded");
    expect(first.refresh).toMatchObject({ kind: "full", reason: "no_previous_run", detailsFetched: 40 });
    const viewsBefore = await h.db.query(VIEWS_SQL);
    expect(viewsBefore).toHaveLength(40);
    const tmdbBefore = h.upstreams.tmdb.count();
    const omdbBefore = h.upstreams.omdb.count();

    now = new Date(now.getTime() + 2 * DAY);
    const second = await runHarvest(app, { maxPages: 2, scrape: false });
    expect(second.status).toBe("succeeded");
    expect(second.refresh).toMatchObject({ kind: "incremental", changed: 0, detailsFetched: 0, carriedForward: 40 });
    // genre list + 2 listing pages + 1 page of changes; no details, no OMDb.
    expect(h.upstreams.tmdb.count() - tmdbBefore).toBe(4);
    expect(h.upstreams.omdb.count() - omdbBefore).toBe(0);
    expect(second.seriesLoaded).toBe(40);
    expect(formatSummary(second)).toMatch(/refresh\s+incremental: 0 details fetched, 40 carried forward, 0 in \/tv\/changes/);
    expect(formatSummary(second)).toMatch(/overdue series\s+tmdb=0 \(oldest 2\.0 d\), omdb=0 \(oldest 2\.0 d\), rottentomatoes=40 \(oldest none\)/);
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toContain('tv_harvester_overdue_series{source="omdb"} 0');
    expect(metrics).toContain('tv_harvester_overdue_series{source="rottentomatoes"} 40');
    expect(metrics).toMatch(/tv_harvester_oldest_value_age_seconds\{source="omdb"\} 1728\d\d/);
    // TMDB's weekly fact comes from the listing for every series; IMDb keeps its latest known value.
    expect(second.ratingsBySource).toEqual({ tmdb: 40 });
    expect(await count(h, `series_version WHERE run_id = ${second.runId}`)).toBe(40);
    expect(await count(h, `series_genre_version WHERE run_id = ${second.runId}`)).toBe(
      await count(h, `series_genre_version WHERE run_id = ${first.runId}`),
    );
    expect(await h.db.query(VIEWS_SQL)).toEqual(viewsBefore);
    // The null ratio of IMDb ratings reads the latest known values: not 1.0 because this run asked OMDb nothing.
    const nullRatio = await h.db.query<{ run_id: number; observed: number }>(
      `SELECT run_id, observed::float8 AS observed FROM quality_check_result WHERE check_name = 'not_null.imdb_rating' ORDER BY run_id`,
    );
    expect(nullRatio.map((r) => r.observed)).toEqual([0, 0]);
    // The trend carries each series' latest value forward: the IMDb line does not move.
    const trend = await h.db.query<{ snapshot_run_id: number; series_rated: number; series_refreshed_in_run: number; avg: number }>(
      `SELECT snapshot_run_id, series_rated, series_refreshed_in_run, avg_score_normalized::float8 AS avg FROM analytics.rating_trend
       WHERE source = 'imdb' ORDER BY snapshot_run_id`,
    );
    expect(trend).toHaveLength(2);
    expect(trend.map((t) => t.series_rated)).toEqual([40, 40]);
    expect(trend.map((t) => t.series_refreshed_in_run)).toEqual([40, 0]);
    expect(trend[1]!.avg).toBe(trend[0]!.avg);
  });

  it("fetches a series in /tv/changes again, and the forced and the full runs fetch what they name", async () => {
    const dataset = apiDataset();
    const h = await harness(dataset);
    let now = new Date("2026-11-23T03:00:00Z");
    const app = await h.newApp(() => now);
    await runHarvest(app, { maxPages: 1, scrape: false });
    const seed = DEMO_CATALOGUE[3]!;
    dataset.tmdbChanges = [seed.tmdbId, 99_999_999];
    h.upstreams.tmdb.setRoute(tmdbKey.details(seed.tmdbId), { body: { ...tmdbDetails(seed), name: "Renamed Upstream" } });

    now = new Date(now.getTime() + DAY);
    let before = detailRequests(h);
    const changed = await runHarvest(app, { maxPages: 1, scrape: false });
    expect(changed.status).toBe("succeeded");
    expect(changed.refresh).toMatchObject({ kind: "incremental", changed: 2, detailsFetched: 1, carriedForward: 19 });
    expect(detailRequests(h) - before).toBe(1);
    expect(await h.db.query(`SELECT title FROM published_series_version WHERE series_id = ${seed.tmdbId}`)).toEqual([{ title: "Renamed Upstream" }]);
    expect(await count(h, "published_series_version")).toBe(20);

    dataset.tmdbChanges = [];
    const forcedIds = [DEMO_CATALOGUE[0]!.tmdbId, DEMO_CATALOGUE[1]!.tmdbId];
    now = new Date(now.getTime() + DAY);
    before = detailRequests(h);
    const omdbBefore = h.upstreams.omdb.count();
    const forced = await runHarvest(app, { maxPages: 1, scrape: false, refresh: forcedIds });
    expect(forced.refresh).toMatchObject({ kind: "incremental", detailsFetched: 2, carriedForward: 18 });
    expect(detailRequests(h) - before).toBe(2);
    expect(h.upstreams.omdb.count() - omdbBefore).toBe(forcedIds.filter((id) => DEMO_CATALOGUE.find((s) => s.tmdbId === id)?.imdbId).length);

    now = new Date(now.getTime() + DAY);
    before = detailRequests(h);
    const full = await runHarvest(app, { maxPages: 1, scrape: false, full: true });
    expect(full.refresh).toMatchObject({ kind: "full", reason: "forced", detailsFetched: 20 });
    expect(detailRequests(h) - before).toBe(20);
  });

  it("backs off a series OMDb does not know, and asks the most overdue series first", async () => {
    const dataset = apiDataset();
    const unknown = DEMO_CATALOGUE.find((s) => s.imdbId)!;
    dataset.omdb.set(omdbKey(unknown.imdbId!), { body: { Response: "False", Error: "Incorrect IMDb ID." } });
    const h = await harness(dataset, { env: { OMDB_DAILY_BUDGET: "5" } });
    let now = new Date("2026-11-02T03:00:00Z");
    const app = await h.newApp(() => now);
    const asked = (from: number) => h.upstreams.omdb.requests.slice(from).map((r) => r.key);
    const state = async () =>
      (
        await h.db.query<{ miss_count: number; due_at: Date }>(
          `SELECT miss_count, due_at FROM enrichment_state WHERE source = 'omdb' AND series_id = ${unknown.tmdbId}`,
        )
      )[0];

    // Five days of one run each, 5 lookups a day, until all 20 (minus the unknown one) have a value.
    let from = 0;
    await runHarvest(app, { maxPages: 1, scrape: false });
    expect(asked(from)).toContain(omdbKey(unknown.imdbId!)); // never asked: first
    expect(await state()).toMatchObject({ miss_count: 1 });
    expect((await state())!.due_at.getTime()).toBe(now.getTime() + 7 * DAY);
    for (let day = 1; day <= 4; day += 1) {
      now = new Date(now.getTime() + DAY);
      // Before the run: the due times the last run wrote; the run must take the 5 earliest due (never asked first).
      const due = await h.db.query<{ imdb_id: string; due: number | null }>(
        `SELECT s.imdb_id, extract(epoch FROM e.due_at)::float8 AS due FROM series_dim s
         LEFT JOIN enrichment_state e ON e.series_id = s.series_id AND e.source = 'omdb'
         WHERE s.imdb_id IS NOT NULL AND (e.due_at IS NULL OR e.due_at <= $1)`,
        [now],
      );
      from = h.upstreams.omdb.count();
      await runHarvest(app, { maxPages: 1, scrape: false });
      const keys = asked(from);
      expect(keys).not.toContain(omdbKey(unknown.imdbId!)); // backed off for 7 days
      const dueOf = (key: string) => due.find((d) => omdbKey(d.imdb_id) === key)?.due ?? null;
      const notAsked = due.filter((d) => !keys.includes(omdbKey(d.imdb_id)));
      const latestAsked = Math.max(...keys.map((k) => dueOf(k) ?? -Infinity));
      for (const d of notAsked) expect(d.due === null ? Infinity : d.due).toBeGreaterThanOrEqual(latestAsked);
      for (const k of keys) expect(due.some((d) => omdbKey(d.imdb_id) === k)).toBe(true);
    }
    // A week after the miss it is asked again, and the next wait doubles.
    now = new Date("2026-11-09T04:00:00Z");
    from = h.upstreams.omdb.count();
    await runHarvest(app, { maxPages: 1, scrape: false });
    expect(asked(from)).toContain(omdbKey(unknown.imdbId!));
    expect(await state()).toMatchObject({ miss_count: 2 });
    expect((await state())!.due_at.getTime()).toBe(now.getTime() + 14 * DAY);
  });

  it("a top-up run writes facts of its own run, no series versions, and every series stays in the views", async () => {
    const h = await harness(apiDataset());
    let now = new Date("2026-11-23T03:00:00Z");
    const app = await h.newApp(() => now);
    await runHarvest(app, { maxPages: 1, scrape: false, omdb: false });
    const viewsBefore = await h.db.query(`SELECT series_id, title FROM analytics.series_ratings ORDER BY series_id`);
    const lastSuccessBefore = await app.metrics.registry.getSingleMetric("tv_harvester_last_success_timestamp_seconds")?.get();
    expect(lastSuccessBefore?.values.map((v) => v.value)).toEqual([now.getTime() / 1000]);
    now = new Date(now.getTime() + DAY);
    const topup = await runHarvest(app, { topup: true, trigger: "topup", scrape: false });
    // The weekly harvest's run gauges stay (a top-up's success must not hide a failed weekly harvest, nor trip its alert).
    expect(await app.metrics.registry.getSingleMetric("tv_harvester_last_success_timestamp_seconds")?.get()).toEqual(lastSuccessBefore);
    expect(topup.status).toBe("succeeded");
    expect(topup.refresh).toMatchObject({ kind: "topup", detailsFetched: 0 });
    expect(topup.ratingsBySource.imdb).toBeGreaterThan(0);
    expect(await count(h, `series_version WHERE run_id = ${topup.runId}`)).toBe(0);
    expect(await h.db.query(`SELECT series_id, title FROM analytics.series_ratings ORDER BY series_id`)).toEqual(viewsBefore);
    expect(await count(h, "analytics.series_ratings WHERE imdb_rating IS NOT NULL")).toBe(topup.ratingsBySource.imdb);
    expect(topup.refresh?.overdue.omdb).toMatchObject({ overdue: 0 });
    // The next weekly run is incremental against the weekly run, and its volume check compares with it, not the top-up.
    now = new Date(now.getTime() + DAY);
    const weekly = await runHarvest(app, { maxPages: 1, scrape: false });
    expect(weekly.status).toBe("succeeded");
    expect(weekly.refresh).toMatchObject({ kind: "incremental", carriedForward: 20 });
    expect(weekly.omdb.lookedUp).toBe(0);
  });
});
