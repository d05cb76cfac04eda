/**
 * Crafted states for the expectation tests: a previous succeeded run and a current run over the same series, each
 * with its series versions (what the views show), every check passing; each test then breaks one thing.
 */
import type { TestDatabase } from "../helpers/db.js";

/** The clock of the expectation tests. */
export const NOW = new Date("2026-11-21T12:00:00Z");

const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000).toISOString();

/** Ids of the seeded runs. */
export interface SeededState {
  previousRunId: number;
  currentRunId: number;
}

/**
 * Seeds genres 18/35, network 49, platform 8, run 1 (succeeded, finished 72 hours ago, maxPages 1) and run 2
 * (running, started an hour ago, maxPages 1), and `seriesCount` series (ids 1…n) with a version in both runs (a
 * genre, a network, a platform, a plot and a poster) and tmdb + imdb facts in both.
 */
export async function seedGoodState(db: TestDatabase, seriesCount = 10): Promise<SeededState> {
  await db.query(`INSERT INTO genre_dim (genre_id, name) VALUES (18, 'Drama'), (35, 'Comedy')`);
  await db.query(`INSERT INTO network_dim (network_id, name, origin_country) VALUES (49, 'HBO', 'US')`);
  await db.query(`INSERT INTO platform_dim (platform_id, name) VALUES (8, 'Netflix')`);
  const [previous] = await db.query<{ run_id: number }>(
    `INSERT INTO harvest_run (started_at, finished_at, heartbeat_at, status, trigger, options)
     VALUES ($1, $2, $2, 'succeeded', 'test', '{"maxPages": 1}') RETURNING run_id`,
    [hoursAgo(73), hoursAgo(72)],
  );
  const [current] = await db.query<{ run_id: number }>(
    `INSERT INTO harvest_run (started_at, heartbeat_at, status, trigger, options)
     VALUES ($1, $1, 'running', 'test', '{"maxPages": 1}') RETURNING run_id`,
    [hoursAgo(1)],
  );
  if (!previous || !current) throw new Error("runs not created");
  await addSeriesRange(db, 1, seriesCount, previous.run_id, current.run_id);
  return { previousRunId: previous.run_id, currentRunId: current.run_id };
}

/** Adds valid series `from`…`to` as {@link addSeries} does one, in a few set-based statements. */
async function addSeriesRange(db: TestDatabase, from: number, to: number, firstRun: number, lastRun: number): Promise<void> {
  const ids = `generate_series(${from}, ${to}) AS g(id)`;
  await db.query(
    `INSERT INTO series_dim (series_id, title, original_title, first_air_date, release_year, last_air_date,
       original_language, origin_countries, number_of_seasons, number_of_episodes, imdb_id, first_seen_run_id, last_seen_run_id)
     SELECT id, 'Series ' || id, 'Series ' || id, '2010-01-15', 2010, '2015-06-01', 'en', '{US}', 3, 30, 'tt' || (1000000 + id), $1, $2
     FROM ${ids}`,
    [firstRun, lastRun],
  );
  await db.query(`INSERT INTO series_genre (series_id, genre_id) SELECT id, 18 FROM ${ids}`);
  await db.query(`INSERT INTO series_network (series_id, network_id, position) SELECT id, 49, 0 FROM ${ids}`);
  for (const run of new Set([firstRun, lastRun])) {
    await db.query(
      `INSERT INTO series_version (series_id, run_id, title, original_title, first_air_date, release_year, last_air_date, original_language,
         origin_countries, number_of_seasons, number_of_episodes, imdb_id, plot, poster_path)
       SELECT series_id, $1, title, original_title, first_air_date, release_year, last_air_date, original_language, origin_countries,
         number_of_seasons, number_of_episodes, imdb_id, 'A plot.', '/poster.jpg'
       FROM series_dim WHERE series_id BETWEEN ${from} AND ${to}`,
      [run],
    );
    await db.query(`INSERT INTO series_genre_version (series_id, run_id, genre_id) SELECT id, $1, 18 FROM ${ids}`, [run]);
    await db.query(`INSERT INTO series_network_version (series_id, run_id, network_id, position) SELECT id, $1, 49, 0 FROM ${ids}`, [run]);
    await db.query(
      `INSERT INTO series_platform_version (series_id, run_id, platform_id, region, offer_type) SELECT id, $1, 8, 'US', 'flatrate' FROM ${ids}`,
      [run],
    );
    await db.query(
      `INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count, grain)
       SELECT $1, id, s.source, s.score, s.votes, 'series' FROM ${ids} CROSS JOIN (VALUES ('tmdb', 8, 100), ('imdb', 8.5, 1000)) AS s(source, score, votes)`,
      [run],
    );
  }
}

/** Adds a valid series `id` first seen in `firstRun`, last seen in `lastRun`, with a version and facts in both. */
export async function addSeries(db: TestDatabase, id: number, firstRun: number, lastRun: number): Promise<void> {
  await addSeriesRange(db, id, id, firstRun, lastRun);
}

/** Inserts one rating fact. */
export async function addFact(
  db: TestDatabase,
  f: { runId: number; seriesId: number; source: string; score: number; voteCount?: number | null; grain?: string },
): Promise<void> {
  await db.query(`INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count, grain) VALUES ($1, $2, $3, $4, $5, $6)`, [
    f.runId,
    f.seriesId,
    f.source,
    f.score,
    f.voteCount ?? null,
    f.grain ?? "series",
  ]);
}
