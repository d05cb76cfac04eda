/**
 * End to end: the harvest against local replays of TMDB and OMDb into a real PostgreSQL, asserting exact
 * rows and values in the star schema and the analytics views, idempotency, the OMDb budget and quota,
 * Retry-After and retries inside a run, and that no secret reaches a log line or a stored payload.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { omdbKey, tmdbKey, type ReplayDataset, apiOnlyDataset } from "../../src/replay/dataset.js";
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

const count = async (h: Harness, sql: string) => (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;

describe("harvest end to end", () => {
  it("loads 2 pages into the star schema with exact rows and values, and a re-run duplicates nothing", async () => {
    const h = await harness(apiDataset());
    const first = await runHarvest(h.app, { maxPages: 2, scrape: false });
    expect(first.status).toBe("succeeded");
    expect(first).toMatchObject({ pages: 2, seriesListed: 40, seriesLoaded: 40, ratingsBySource: { tmdb: 40, imdb: 40 } });
    expect(first.requests.tmdb?.requests).toBe(43); // genre list + 2 pages + 40 details
    expect(first.requests.omdb?.requests).toBe(40);

    const tables = async () => ({
      series_dim: await count(h, "series_dim"),
      genre_dim: await count(h, "genre_dim"),
      network_dim: await count(h, "network_dim"),
      series_genre: await count(h, "series_genre"),
      series_network: await count(h, "series_network"),
      series_ratings: await count(h, "analytics.series_ratings"),
      series: await count(h, "series"),
      ratings: await count(h, "ratings"),
    });
    const expected = {
      series_dim: 40,
      genre_dim: 16,
      network_dim: 18,
      series_genre: 92,
      series_network: 45,
      series_ratings: 40,
      series: 40,
      ratings: 40,
    };
    expect(await tables()).toEqual(expected);
    expect(await count(h, "rating_fact")).toBe(80);

    const [bb] = await h.db.query(
      `SELECT series_id, title, release_year, language, genres, network, networks, imdb_id, tmdb_score::float8, tmdb_votes, imdb_rating::float8, imdb_votes,
              tomatoes_critic, metacritic, number_of_seasons, number_of_episodes, status
       FROM analytics.series_ratings WHERE series_id = 1396`,
    );
    expect(bb).toEqual({
      series_id: 1396,
      title: "Breaking Bad",
      release_year: 2008,
      language: "en",
      genres: "Crime, Drama",
      network: "AMC",
      networks: "AMC",
      imdb_id: "tt0903747",
      tmdb_score: 8.9,
      tmdb_votes: 15210,
      imdb_rating: 9.5,
      imdb_votes: 2212015,
      tomatoes_critic: null,
      metacritic: null,
      number_of_seasons: 5,
      number_of_episodes: 62,
      status: "Ended",
    });
    const [fleabag] = await h.db.query(`SELECT network, networks, genres FROM analytics.series_ratings WHERE title = 'Fleabag'`);
    expect(fleabag).toEqual({ network: "BBC Two", networks: "BBC Two, Prime Video", genres: "Comedy, Drama" });
    expect(await h.db.query(`SELECT * FROM series WHERE series_id = 1396`)).toEqual([
      {
        series_id: 1396,
        title: "Breaking Bad",
        release_year: 2008,
        genres: "Crime, Drama",
        language: "en",
        network: "AMC",
        plot: DEMO_CATALOGUE[0]!.overview,
      },
    ]);
    const [rating] = await h.db.query(`SELECT imdb_rating::float8, imdb_count FROM ratings WHERE series_id = 1396`);
    expect(rating).toEqual({ imdb_rating: 9.5, imdb_count: 2212015 });
    // The 41st series (page 3) was not harvested.
    expect(await count(h, "series_dim WHERE series_id = 1425")).toBe(0);

    // A full re-run (an incremental one would fetch nothing again: test/e2e/incremental.test.ts).
    const second = await runHarvest(h.app, { maxPages: 2, scrape: false, full: true });
    expect(second.status).toBe("succeeded");
    expect(await tables()).toEqual(expected);
    expect(await count(h, "rating_fact")).toBe(160); // one fact per series × source × run: the history
    expect(await count(h, "analytics.rating_history WHERE series_id = 1396 AND source = 'imdb'")).toBe(2);
    expect(await count(h, "(SELECT series_id, source_key, run_id FROM rating_fact GROUP BY 1, 2, 3 HAVING count(*) > 1) d")).toBe(0);
  });

  it("keeps a known rating when a later run gets none, and shows only facts of succeeded runs", async () => {
    const h = await harness(apiDataset());
    await runHarvest(h.app, { maxPages: 1, scrape: false });
    h.upstreams.omdb.setRoute(omdbKey("tt0903747"), {
      body: {
        ...JSON.parse(
          JSON.stringify({ Response: "True", Title: "Breaking Bad", imdbID: "tt0903747", Type: "series", imdbRating: "N/A", imdbVotes: "N/A" }),
        ),
      },
    });
    h.upstreams.omdb.setRoute(omdbKey("tt0944947"), { status: 500, body: "down" });
    const second = await runHarvest(h.app, { maxPages: 1, scrape: false });
    expect(second.status).toBe("succeeded");
    const rows = await h.db.query(
      `SELECT series_id, imdb_rating::float8 FROM analytics.series_ratings WHERE series_id IN (1396, 1399) ORDER BY series_id`,
    );
    expect(rows).toEqual([
      { series_id: 1396, imdb_rating: 9.5 },
      { series_id: 1399, imdb_rating: 9.2 },
    ]);

    // A run whose facts exist but that did not succeed never reaches the views.
    const [{ run_id: badRun }] = (await h.db.query<{ run_id: number }>(
      `INSERT INTO harvest_run (status, finished_at) VALUES ('failed_quality', now() + interval '1 hour') RETURNING run_id`,
    )) as [{ run_id: number }];
    await h.db.query(`INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count) VALUES ($1, 1396, 'imdb', 1.0, 1)`, [badRun]);
    const [bb] = await h.db.query(`SELECT imdb_rating::float8 FROM analytics.series_ratings WHERE series_id = 1396`);
    expect(bb).toEqual({ imdb_rating: 9.5 });
    expect(await count(h, `analytics.rating_history WHERE run_id = ${badRun}`)).toBe(0);
  });

  it("honours Retry-After on a 429 and retries 500, 500 then 200 inside a run", async () => {
    const dataset = apiDataset();
    const bbDetails = dataset.tmdb.get(tmdbKey.details(1396));
    const gotDetails = dataset.tmdb.get(tmdbKey.details(1399));
    if (!bbDetails || Array.isArray(bbDetails) || !gotDetails || Array.isArray(gotDetails)) throw new Error("dataset");
    dataset.tmdb.set(tmdbKey.details(1396), [{ status: 429, body: { status_code: 25 }, headers: { "Retry-After": "1" } }, bbDetails]);
    dataset.tmdb.set(tmdbKey.details(1399), [{ status: 500, body: "oops" }, { status: 503, body: "oops" }, gotDetails]);
    const h = await harness(dataset);
    const summary = await runHarvest(h.app, { maxPages: 1, omdb: false, scrape: false });
    expect(summary.status).toBe("succeeded");
    expect(summary.seriesLoaded).toBe(20);
    expect(summary.requests.tmdb).toMatchObject({ requests: 1 + 1 + 20 + 1 + 2, throttled: 1, retries: 2, failures: 0 });
    const bbRequests = h.upstreams.tmdb.requests.filter((r) => r.key === tmdbKey.details(1396));
    expect(bbRequests.map((r) => r.status)).toEqual([429, 200]);
    // (How long the 429 paused TMDB is asserted in simulated time: test/http/http-rate-control.test.ts.)
    expect(h.upstreams.tmdb.requests.filter((r) => r.key === tmdbKey.details(1399)).map((r) => r.status)).toEqual([500, 503, 200]);
    expect(await count(h, "series_dim WHERE series_id IN (1396, 1399)")).toBe(2);
  });

  it("spends at most the OMDb daily budget across runs, oldest data first, and starts afresh the next UTC day", async () => {
    const h = await harness(apiDataset(), { env: { OMDB_DAILY_BUDGET: "25" } });
    let now = new Date("2026-11-21T10:00:00Z");
    const app = await h.newApp(() => now);
    const first = await runHarvest(app, { maxPages: 2, scrape: false });
    expect(first.omdb).toMatchObject({ status: "budget_exhausted", lookedUp: 25, skipped: 15, budgetRemaining: 0 });
    expect(h.upstreams.omdb.count()).toBe(25);
    const firstAsked = new Set(h.upstreams.omdb.requests.map((r) => r.key));

    now = new Date("2026-11-21T20:00:00Z");
    // Full runs: every series is asked again whatever its age (the ages are tested in test/e2e/incremental.test.ts).
    const second = await runHarvest(app, { maxPages: 2, scrape: false, full: true });
    expect(second.status).toBe("succeeded");
    expect(second.omdb).toMatchObject({ lookedUp: 0, skipped: 40 });
    expect(h.upstreams.omdb.count()).toBe(25);
    // Series without a fresh IMDb rating still show the last known one (none yet for the 15 skipped).
    expect(await count(h, "analytics.series_ratings WHERE imdb_rating IS NOT NULL")).toBe(25);

    now = new Date("2026-11-22T00:30:00Z");
    await runHarvest(app, { maxPages: 2, scrape: false, full: true });
    const thirdAsked = h.upstreams.omdb.requests.slice(25).map((r) => r.key);
    expect(thirdAsked).toHaveLength(25);
    // The 15 never looked up come first, then the 10 oldest.
    const neverAsked = DEMO_CATALOGUE.slice(0, 40)
      .map((s) => omdbKey(s.imdbId!))
      .filter((k) => !firstAsked.has(k));
    expect(neverAsked).toHaveLength(15);
    expect(new Set(thirdAsked.slice(0, 15))).toEqual(new Set(neverAsked));
    expect(await count(h, "analytics.series_ratings WHERE imdb_rating IS NOT NULL")).toBe(40);
    expect(await h.db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, requests_used FROM omdb_budget ORDER BY day`)).toEqual([
      { day: "2026-11-21", requests_used: 25 },
      { day: "2026-11-22", requests_used: 25 },
    ]);
  });

  it("stops OMDb for the rest of the run on 'Request limit reached!' and goes on", async () => {
    const dataset = apiDataset();
    for (const key of dataset.omdb.keys()) dataset.omdb.set(key, { status: 401, body: { Response: "False", Error: "Request limit reached!" } });
    const h = await harness(dataset, { env: { OMDB_MAX_CONCURRENT: "1" } });
    const summary = await runHarvest(h.app, { maxPages: 2, scrape: false });
    expect(summary.status).toBe("succeeded");
    expect(summary.omdb.status).toBe("quota_exhausted");
    expect(summary.seriesLoaded).toBe(40);
    expect(h.upstreams.omdb.count()).toBeLessThanOrEqual(2);
    expect(h.logs.some((l) => l.includes("OMDb quota exhausted"))).toBe(true);
    // Later runs the same day do not call OMDb at all.
    const before = h.upstreams.omdb.count();
    const again = await runHarvest(h.app, { maxPages: 1, scrape: false });
    expect(again.omdb.status).toBe("budget_exhausted");
    expect(h.upstreams.omdb.count()).toBe(before);
  });

  it("never writes an API key into a log line, an error, a metric or a stored payload", async () => {
    const tmdbKeyValue = "tmdb-SECRET-0123456789abcdef";
    const omdbKeyValue = "omdb-SECRET-987654";
    const dataset = apiDataset();
    dataset.tmdb.set(tmdbKey.details(1396), { status: 400, body: { status_code: 22, status_message: "bad request" } });
    dataset.tmdb.set(tmdbKey.details(1399), { status: 200, body: "<html>upstream error page</html>" });
    dataset.omdb.set(omdbKey("tt0306414"), { body: { Response: "False", Error: "Something odd" } });
    const h = await harness(dataset, {
      upstreams: { tmdbApiKey: tmdbKeyValue, omdbApiKey: omdbKeyValue },
      env: { TMDB_API_KEY: tmdbKeyValue, OMDB_API_KEY: omdbKeyValue },
    });
    const summary = await runHarvest(h.app, { maxPages: 1, scrape: false });
    expect(summary.status).toBe("succeeded");
    expect(h.upstreams.tmdb.requests.every((r) => r.credential === tmdbKeyValue)).toBe(true);
    expect(h.logs.length).toBeGreaterThan(10);
    expect(h.logs.some((l) => l.includes("api_key=[REDACTED]"))).toBe(true);
    const stored = await h.db.query<{ text: string }>(`
      SELECT payload::text || coalesce(body_text, '') AS text FROM upstream_answer
      UNION ALL SELECT coalesce(payload::text, '') || issues::text FROM quarantine
      UNION ALL SELECT coalesce(summary::text, '') || coalesce(error, '') FROM harvest_run
      UNION ALL SELECT coalesce(detail, '') FROM enrichment_state`);
    expect(stored.length).toBeGreaterThan(40);
    const everything = [...h.logs, ...stored.map((r) => r.text), JSON.stringify(summary), await h.app.metrics.registry.metrics()].join("\n");
    expect(everything).not.toContain(tmdbKeyValue);
    expect(everything).not.toContain(omdbKeyValue);
    expect(await count(h, "quarantine WHERE upstream_key = 'tv/1396' AND reason = 'upstream_error'")).toBe(1);
  });
});
