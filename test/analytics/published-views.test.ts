/**
 * The analytics views after real harvests against the replay (the demo catalogue, 2 pages, ratings sites on):
 *   - only finished runs are visible, dimensions included: a failed_quality run that renames series, changes their
 *     genres, networks and platforms (renaming a known genre, network and platform), blanks their dates and claims
 *     99 seasons leaves a full dump of every analytics
 *     and contract view exactly as before; so does the same run while running, failed, interrupted or abandoned;
 *   - one scale (IMDb 9.5 → 95), lower-bound flags beside counts, vote-weighted ranks;
 *   - platforms per region, seasons, the show profile and the feature view.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE, TV_GENRES, type SeriesSeed } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes, tmdbDetails, tmdbKey, tmdbListEntry, type ReplayDataset } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { startHarness, type Harness } from "../helpers/harness.js";

const SERIES = DEMO_CATALOGUE.slice(0, 40);
/** The known series whose details the broken run damages (their known dates are kept, so they alone fail nothing). */
const DAMAGED = SERIES.slice(0, 10);
/**
 * Series the good run never listed, listed by the broken run in place of page 2's last ten with damaged details: a
 * quarter of the run's series without a first-air date (no earlier version to keep one from), so the run fails.
 */
const NEWCOMERS = DEMO_CATALOGUE.slice(40, 50);

/** Members of the dimensions the good run knew, renamed in the broken run's answers (network, platform, genre). */
const RENAMED_NETWORK = SERIES[0]!.networkIds[0]!;
const RENAMED_PLATFORM = 8; // Netflix
const RENAMED_GENRE = 18; // Drama

function dataset(): ReplayDataset {
  return { ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) };
}

/** Operational views that list every run whatever its status (that is what they are for). */
const RUN_VIEWS = new Set(["harvest_runs", "quality_checks", "quarantine_summary"]);

let h: Harness;
let goodRunId: number;
let brokenRunId: number;
let before: Record<string, string[]>;
let after: Record<string, string[]>;

async function viewNames(): Promise<string[]> {
  const rows = await h.db.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.views
     WHERE table_schema = 'analytics' OR (table_schema = 'public' AND table_name IN ('series', 'ratings')) ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Every row of every view (as JSON text, sorted), the run views aside. */
async function dumpViews(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of await viewNames()) {
    if (RUN_VIEWS.has(name.replace(/^analytics\./, ""))) continue;
    const rows = await h.db.query<{ row: string }>(`SELECT to_jsonb(v)::text AS row FROM ${name} v`);
    out[name] = rows.map((r) => r.row).sort();
  }
  return out;
}

function damaged(seed: SeriesSeed): Record<string, unknown> {
  const body = tmdbDetails(seed);
  return {
    ...body,
    name: "BROKEN TITLE",
    first_air_date: "",
    last_air_date: "",
    number_of_seasons: 99,
    genres: [{ id: 37, name: "Western" }],
    // Beside new members, members the good run knew under other names (a network, a platform; a genre below).
    networks: [
      { id: 19, name: "FOX", logo_path: null, origin_country: "US" },
      { id: RENAMED_NETWORK, name: "RENAMED NETWORK", logo_path: "/renamed.png", origin_country: "XX" },
    ],
    "watch/providers": {
      results: {
        US: {
          flatrate: [
            { provider_id: 300, provider_name: "Pluto TV", logo_path: null, display_priority: 1 },
            { provider_id: RENAMED_PLATFORM, provider_name: "RENAMED PLATFORM", logo_path: "/renamed.png", display_priority: 2 },
          ],
        },
      },
    },
    content_ratings: { results: [{ iso_3166_1: "US", rating: "TV-Y" }] },
    keywords: { results: [{ id: 1, name: "broken" }] },
    seasons: [{ id: 1, season_number: 1, name: "Broken", air_date: null, episode_count: 1 }],
  };
}

beforeAll(async () => {
  h = await startHarness(dataset(), { env: { LOG_LEVEL: "silent", QUALITY_NULL_THRESHOLDS: "first_air_date=0.1", TMDB_WATCH_REGIONS: "US,GB" } });
  const good = await runHarvest(h.app, { maxPages: 2 });
  expect(good.status).toBe("succeeded");
  goodRunId = good.runId;
  before = await dumpViews();
  for (const seed of [...DAMAGED, ...NEWCOMERS]) h.upstreams.tmdb.setRoute(tmdbKey.details(seed.tmdbId), { body: damaged(seed) });
  h.upstreams.tmdb.setRoute(tmdbKey.genres(), {
    body: { genres: TV_GENRES.map((g) => (g.id === RENAMED_GENRE ? { ...g, name: "RENAMED GENRE" } : g)) },
  });
  const page2 = [...SERIES.slice(20, 30), ...NEWCOMERS];
  h.upstreams.tmdb.setRoute(tmdbKey.page(2), {
    body: { page: 2, results: page2.map(tmdbListEntry), total_pages: 3, total_results: DEMO_CATALOGUE.length },
  });
  // A full run fetches the damaged details again (an incremental one would carry the unchanged versions forward).
  const broken = await runHarvest(h.app, { maxPages: 2, full: true });
  expect(broken.status).toBe("failed_quality");
  brokenRunId = broken.runId;
  after = await dumpViews();
}, 240_000);
afterAll(async () => {
  await h?.close();
});

describe("only finished runs are visible", () => {
  it("the broken run did write its damage (so the comparison below can fail)", async () => {
    const [row] = await h.db.query<{ titles: number; dates: number; versions: number }>(
      `SELECT count(*) FILTER (WHERE title = 'BROKEN TITLE')::int AS titles, count(*) FILTER (WHERE first_air_date IS NULL)::int AS dates,
              (SELECT count(*)::int FROM series_version WHERE run_id = $1) AS versions
       FROM series_dim`,
      [brokenRunId],
    );
    expect(row).toEqual({ titles: DAMAGED.length + NEWCOMERS.length, dates: DAMAGED.length + NEWCOMERS.length, versions: SERIES.length });
    // The names it saw are kept with it, for when a run that sees them is published.
    const seen = await h.db.query(
      `SELECT 'network' AS dimension, name FROM network_version WHERE run_id = $1 AND network_id = $2
       UNION ALL SELECT 'platform', name FROM platform_version WHERE run_id = $1 AND platform_id = $3
       UNION ALL SELECT 'genre', name FROM genre_version WHERE run_id = $1 AND genre_id = $4 ORDER BY 1`,
      [brokenRunId, RENAMED_NETWORK, RENAMED_PLATFORM, RENAMED_GENRE],
    );
    expect(seen).toEqual([
      { dimension: "genre", name: "RENAMED GENRE" },
      { dimension: "network", name: "RENAMED NETWORK" },
      { dimension: "platform", name: "RENAMED PLATFORM" },
    ]);
  });

  it("a failed_quality run leaves every analytics and contract view exactly as before", async () => {
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        "public.series",
        "public.ratings",
        "analytics.series_ratings",
        "analytics.series_profile",
        "analytics.series_features",
        "analytics.series_platforms",
        "analytics.seasons",
        "analytics.series_history",
      ]),
    );
    expect(Object.keys(before).length).toBe((await viewNames()).length - RUN_VIEWS.size);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const name of Object.keys(before)) expect(after[name], name).toEqual(before[name]);
    expect(before["analytics.series_ratings"]?.length).toBe(SERIES.length);
  });

  it.each(["running", "failed", "interrupted", "abandoned"])("so does the same run while %s", async (status) => {
    await h.db.query(`UPDATE harvest_run SET status = $2::harvest_run_status WHERE run_id = $1`, [brokenRunId, status]);
    try {
      expect(await dumpViews()).toEqual(before);
    } finally {
      await h.db.query(`UPDATE harvest_run SET status = 'failed_quality' WHERE run_id = $1`, [brokenRunId]);
    }
  });

  it("the run views do list the broken run", async () => {
    const rows = await h.db.query<{ status: string }>(`SELECT status FROM analytics.harvest_runs WHERE run_id = $1`, [brokenRunId]);
    expect(rows).toEqual([{ status: "failed_quality" }]);
  });

  it("once a run succeeds, its versions are what the views show, and the history keeps the old title", async () => {
    await h.db.query(`UPDATE harvest_run SET status = 'succeeded' WHERE run_id = $1`, [brokenRunId]);
    try {
      const id = DAMAGED[0]!.tmdbId;
      const [now] = await h.db.query(`SELECT title, release_year, genres, network FROM analytics.series_ratings WHERE series_id = $1`, [id]);
      // The broken run's details lack the first air date: the version keeps the known one (issue 19, a value once known).
      expect(now).toEqual({ title: "BROKEN TITLE", release_year: Number(DAMAGED[0]!.firstAirDate.slice(0, 4)), genres: "Western", network: "FOX" });
      const history = await h.db.query(
        `SELECT run_id, title, is_current, genres FROM analytics.series_history WHERE series_id = $1 ORDER BY run_id`,
        [id],
      );
      expect(history).toEqual([
        { run_id: goodRunId, title: DAMAGED[0]!.title, is_current: false, genres: expect.any(String) },
        { run_id: brokenRunId, title: "BROKEN TITLE", is_current: true, genres: "Western" },
      ]);
      const left = await h.db.query(
        `SELECT run_id, is_current FROM analytics.platform_history WHERE series_id = $1 AND region = 'US' AND offer_type = 'buy' ORDER BY run_id, platform_id`,
        [id],
      );
      // Amazon Video and Apple TV to buy in the good run; gone in the later one: the series left them.
      expect(left).toEqual([
        { run_id: goodRunId, is_current: false },
        { run_id: goodRunId, is_current: false },
      ]);
    } finally {
      await h.db.query(`UPDATE harvest_run SET status = 'failed_quality' WHERE run_id = $1`, [brokenRunId]);
    }
  });
});

describe("one scale, lower bounds, weighted ranks", () => {
  it("normalized_score puts every source on 0–100 by its maximum (IMDb 9.5 → 95)", async () => {
    const [row] = await h.db.query(
      `SELECT analytics.normalized_score('imdb', 9.5)::float8 AS imdb, analytics.normalized_score('tmdb', 8.65)::float8 AS tmdb,
              analytics.normalized_score('metacritic_users', 8.4)::float8 AS metauser, analytics.normalized_score('rotten_tomatoes_critics', 96)::float8 AS rt,
              analytics.normalized_score('metacritic_critics', 87)::float8 AS mc, analytics.normalized_score('unknown', 5) AS unknown`,
    );
    expect(row).toEqual({ imdb: 95, tmdb: 86.5, metauser: 84, rt: 96, mc: 87, unknown: null });
    const [bb] = await h.db.query(`SELECT score_normalized::float8 AS s FROM analytics.rating_history WHERE series_id = 1396 AND source = 'imdb'`);
    expect(bb).toEqual({ s: 95 });
  });

  it("every source's scale maximum agrees with normalized_score (a new source must be added to the function)", async () => {
    const rows = await h.db.query(
      `SELECT source_key, analytics.normalized_score(source_key, scale_max)::float8 AS top FROM rating_source_dim ORDER BY source_key`,
    );
    for (const row of rows) expect(row.top, String(row.source_key)).toBe(100);
  });

  it("a banded count is flagged as a lower bound beside it", async () => {
    const rows = await h.db.query<{ n: number; flagged: number }>(
      `SELECT count(tomatoes_audience_count)::int AS n, count(*) FILTER (WHERE tomatoes_audience_count_is_lower_bound)::int AS flagged FROM analytics.series_ratings`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(rows[0]!.flagged).toBeGreaterThan(0);
    const [contract] = await h.db.query<{ flagged: number }>(
      `SELECT count(*) FILTER (WHERE tomatoes_audience_count_is_lower_bound)::int AS flagged FROM ratings`,
    );
    expect(contract!.flagged).toBe(rows[0]!.flagged);
  });

  it("the vote-weighted score pulls a series with few votes towards the mean (Bayesian average)", async () => {
    const [row] = await h.db.query(
      `SELECT analytics.weighted_score(90, 40, 25000, 80)::float8 AS few, analytics.weighted_score(90, 2000000, 25000, 80)::float8 AS many,
              analytics.weighted_score(90, NULL, 25000, 80)::float8 AS unknown`,
    );
    expect(row).toEqual({ few: 80.02, many: 89.88, unknown: 80 });
    const ranks = await h.db.query<{ rank_in_run: number; series_ranked: number }>(
      `SELECT rank_in_run::int, series_ranked FROM analytics.weighted_ratings WHERE run_id = $1 AND source = 'imdb' ORDER BY rank_in_run`,
      [goodRunId],
    );
    expect(ranks[0]!.rank_in_run).toBe(1);
    expect(ranks.length).toBe(ranks[0]!.series_ranked);
    const [order] = await h.db.query<{ ok: boolean }>(
      `SELECT bool_and(a.weighted_score >= b.weighted_score) AS ok FROM analytics.latest_ratings a
       JOIN analytics.latest_ratings b ON a.source = b.source AND a.weighted_rank < b.weighted_rank`,
    );
    expect(order!.ok).toBe(true);
  });
});

describe("platforms, seasons, profile, features", () => {
  it("latest availability per series and region, for the configured regions only", async () => {
    const rows = await h.db.query(
      `SELECT region, platform, offer_type FROM analytics.series_platforms WHERE series_id = 1396 ORDER BY region, offer_type, platform`,
    );
    expect(rows).toEqual(
      [
        { region: "US", platform: "Apple TV", offer_type: "buy" },
        { region: "US", platform: "Amazon Video", offer_type: "buy" },
        { region: "US", platform: "Netflix", offer_type: "flatrate" },
      ].sort((a, b) => `${a.region}${a.offer_type}${a.platform}`.localeCompare(`${b.region}${b.offer_type}${b.platform}`)),
    );
    const regions = await h.db.query<{ region: string }>(`SELECT DISTINCT region FROM analytics.series_platforms ORDER BY 1`);
    expect(regions.map((r) => r.region)).toEqual(["GB", "US"]);
  });

  it("top-rated by platform ranks by the weighted score within region × platform × offer type", async () => {
    const rows = await h.db.query<{ rank_in_platform: number; weighted_score: string }>(
      `SELECT rank_in_platform::int, weighted_score FROM analytics.top_rated_by_platform
       WHERE region = 'US' AND platform_id = 8 AND offer_type = 'flatrate' ORDER BY rank_in_platform`,
    );
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.rank_in_platform)).toEqual(rows.map((_, i) => i + 1));
    expect([...rows].sort((a, b) => Number(b.weighted_score) - Number(a.weighted_score))).toEqual(rows);
  });

  it("series_profile: one row per series with ids, image and page URLs, creators, content ratings, keywords, seasons", async () => {
    const [counts] = await h.db.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT series_id)::int AS distinct FROM analytics.series_profile`,
    );
    expect(counts).toEqual({ n: SERIES.length, distinct: SERIES.length });
    const [bb] = await h.db.query(
      `SELECT tmdb_id, imdb_id, tvdb_id, poster_url, backdrop_url, tmdb_url, imdb_url, creators, content_ratings, keywords, platforms,
              seasons_listed, number_of_seasons, imdb_rating::float8, imdb_votes, imdb_rated_at IS NOT NULL AS dated
       FROM analytics.series_profile WHERE series_id = 1396`,
    );
    expect(bb).toEqual({
      tmdb_id: 1396,
      imdb_id: "tt0903747",
      tvdb_id: 71396,
      poster_url: expect.stringMatching(/^https:\/\/image\.tmdb\.org\/t\/p\/w342\/.+\.jpg$/),
      backdrop_url: expect.stringMatching(/^https:\/\/image\.tmdb\.org\/t\/p\/w780\/.+\.jpg$/),
      tmdb_url: "https://www.themoviedb.org/tv/1396",
      imdb_url: "https://www.imdb.com/title/tt0903747/",
      creators: "Showrunner of Breaking Bad",
      content_ratings: "GB: 15, US: TV-MA",
      keywords: "drama, crime, set in us",
      platforms: "Netflix (US)",
      seasons_listed: 5,
      number_of_seasons: 5,
      imdb_rating: 9.5,
      imdb_votes: 2212015,
      dated: true,
    });
    const [pages] = await h.db.query<{ rt: number; mc: number }>(
      `SELECT count(rotten_tomatoes_url)::int AS rt, count(metacritic_url)::int AS mc FROM analytics.series_profile`,
    );
    expect(pages!.rt).toBeGreaterThan(0);
    expect(pages!.mc).toBeGreaterThan(0);
  });

  it("seasons from the details' seasons[], apart from the season-grain ratings", async () => {
    const rows = await h.db.query(
      `SELECT season_number, season_name, air_date::text, episode_count FROM analytics.seasons WHERE series_id = 1396 ORDER BY 1 LIMIT 2`,
    );
    expect(rows).toEqual([
      { season_number: 1, season_name: "Season 1", air_date: "2008-01-20", episode_count: 12 },
      { season_number: 2, season_name: "Season 2", air_date: "2009-01-20", episode_count: 12 },
    ]);
  });

  it("series_features: one row per series, scores on 0–100, log counts, one-hot genres and platforms", async () => {
    const rows = await h.db.query(`SELECT * FROM analytics.series_features WHERE series_id = 1396`);
    expect(rows).toHaveLength(1);
    const f = rows[0]!;
    expect(f).toMatchObject({
      score_imdb: "95.00",
      genre_crime: 1,
      genre_drama: 1,
      genre_comedy: 0,
      platform_netflix: 1,
      platform_max: 0,
      language: "en",
      country: "US",
      is_finished: 1,
    });
    expect(Number(f.log_votes_imdb)).toBeCloseTo(Math.log(1 + 2212015), 3);
    expect(Number(f.age_years)).toBeGreaterThan(18);
    const [features] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics.series_features`);
    expect(features?.n).toBe(SERIES.length);
  });
});
