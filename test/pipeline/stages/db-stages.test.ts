/**
 * The stages that write to the database, alone: each on a fresh migrated database with fake upstreams,
 * a recording facts writer and quarantine.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.js";
import { DEMO_CATALOGUE } from "../../../src/demo/catalogue.js";
import type { RatingObservation, SeriesRecord } from "../../../src/domain.js";
import { HarvesterMetrics } from "../../../src/metrics/metrics.js";
import { omdbAnswer, tmdbDetails } from "../../../src/replay/dataset.js";
import { checkQuality } from "../../../src/pipeline/stages/check-quality.js";
import { enrichFromOmdb } from "../../../src/pipeline/stages/enrich-omdb.js";
import { enrichFromRatingsSites } from "../../../src/pipeline/stages/ratings-sites.js";
import { loadSeries, SeriesLoader } from "../../../src/pipeline/stages/load.js";
import { parseSeriesDetails, toSeriesRecord } from "../../../src/sources/tmdb/tmdb.js";
import { useTestDatabase } from "../../helpers/db.js";
import { fakeClient, memoryAnswers, quiet, recordingFacts, recordingQuarantine } from "./fakes.js";

const NOW = new Date("2026-11-21T12:00:00Z");
const now = () => NOW;
const seeds = DEMO_CATALOGUE.filter((s) => s.imdbId !== null && s.imdb !== null).slice(0, 8);

function record(seed: (typeof seeds)[number]): SeriesRecord {
  const parsed = parseSeriesDetails(tmdbDetails(seed));
  if (!parsed.ok) throw new Error(`seed ${seed.tmdbId} does not parse`);
  return toSeriesRecord(parsed.value);
}

const t = useTestDatabase();
let runId: number;

beforeAll(async () => {
  const { db } = t;
  const genres = [...new Set(seeds.flatMap((s) => s.genreIds))];
  for (const id of genres) await db.query(`INSERT INTO genre_dim (genre_id, name) VALUES ($1, $2)`, [id, `genre ${id}`]);
  const [run] = await db.query<{ run_id: number }>(`INSERT INTO harvest_run (trigger, started_at) VALUES ('test', $1) RETURNING run_id`, [NOW]);
  runId = run!.run_id;
});

describe("pipeline stages on a database", () => {
  it("load: upserts the series, writes the TMDB facts through the facts writer and flushes the quarantine", async () => {
    const { db, prisma } = t;
    const facts = recordingFacts();
    const quarantine = recordingQuarantine();
    const series = seeds.map(record);
    const tmdbRatings: RatingObservation[] = series.map((s) => ({
      seriesId: s.id,
      source: "tmdb",
      score: 8,
      voteCount: 100,
      voteCountIsLowerBound: false,
      grain: "series",
      method: "api",
    }));
    const rows = await loadSeries({ prisma, runId, facts, quarantine }, { series, tmdbRatings });
    expect(rows.series_dim).toBe(seeds.length);
    expect(await db.query(`SELECT series_id FROM series_dim ORDER BY series_id`)).toEqual(
      series.map((s) => ({ series_id: s.id })).sort((a, b) => a.series_id - b.series_id),
    );
    expect(facts.written).toEqual(tmdbRatings);
    expect(quarantine.flushes).toBe(1);
  });

  it("omdb: oldest first within the budget, taken in blocks and the unused rest given back", async () => {
    const { db, prisma } = t;
    const omdb = fakeClient(
      "omdb",
      (_path, params) => {
        const seed = seeds.find((s) => s.imdbId === params?.i);
        return { body: seed ? omdbAnswer(seed) : { Response: "False", Error: "Incorrect IMDb ID." } };
      },
      3,
    );
    const facts = recordingFacts();
    const first = memoryAnswers();
    const out = await enrichFromOmdb(
      {
        ...quiet,
        prisma,
        runId,
        omdb,
        answers: first.answers,
        quarantine: recordingQuarantine(),
        facts,
        metrics: new HarvesterMetrics(),
        now,
        config: { dailyBudget: 5, maxConcurrent: 1 },
      },
      { seriesIds: seeds.map((s) => s.tmdbId) },
    );
    expect(out).toMatchObject({ status: "budget_exhausted", lookedUp: 5, skipped: 3, budgetRemaining: 0 });
    // Never looked up before: by series id.
    const expected = [...seeds].sort((a, b) => a.tmdbId - b.tmdbId).slice(0, 5);
    expect(omdb.requests.map((u) => new URL(u).searchParams.get("i"))).toEqual(expected.map((s) => s.imdbId));
    expect(omdb.maxInFlight).toBeLessThanOrEqual(2);
    expect(new Set(facts.written.filter((o) => o.source === "imdb").map((o) => o.seriesId))).toEqual(
      new Set(expected.filter((s) => s.imdb?.rating !== null).map((s) => s.tmdbId)),
    );
    expect(await db.query(`SELECT requests_used FROM omdb_budget`)).toEqual([{ requests_used: 5 }]);

    // The next day, with the five answers kept (they cost no budget): the three others are asked, from a
    // block of eight (what was still needed at the start), and the five not used are given back.
    const nextDay = () => new Date("2026-11-22T12:00:00Z");
    omdb.requests.length = 0;
    const again = await enrichFromOmdb(
      {
        ...quiet,
        prisma,
        runId,
        omdb,
        answers: memoryAnswers(first.written).answers,
        quarantine: recordingQuarantine(),
        facts: recordingFacts(),
        metrics: new HarvesterMetrics(),
        now: nextDay,
        config: { dailyBudget: 100, maxConcurrent: 4 },
      },
      { seriesIds: seeds.map((s) => s.tmdbId) },
    );
    expect(again).toMatchObject({ status: "done", lookedUp: 8, skipped: 0, budgetRemaining: 97 });
    expect(omdb.requests.map((u) => new URL(u).searchParams.get("i")).sort()).toEqual(
      [...seeds]
        .sort((a, b) => a.tmdbId - b.tmdbId)
        .slice(5)
        .map((s) => s.imdbId)
        .sort(),
    );
    expect(await db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, requests_used FROM omdb_budget ORDER BY day`)).toEqual([
      { day: "2026-11-21", requests_used: 5 },
      { day: "2026-11-22", requests_used: 3 },
    ]);
  });

  it("sites: with no page on either site, it asks the sites and writes no score (OMDb's copies, written by OMDb, stay)", async () => {
    const { prisma } = t;
    const series = seeds.slice(0, 2).map(record);
    const clients = {
      wikidata: fakeClient("wikidata", () => ({ body: { entities: {} } })),
      rottentomatoes: fakeClient("rottentomatoes", () => ({ status: 404, body: "<html>Not Found</html>" })),
      metacritic: fakeClient("metacritic", () => ({ status: 404, body: "<html>Not Found</html>" })),
    };
    const facts = recordingFacts();
    const summary = await enrichFromRatingsSites(
      {
        ...quiet,
        prisma,
        runId,
        clients,
        answers: memoryAnswers().answers,
        quarantine: recordingQuarantine(),
        metrics: new HarvesterMetrics(),
        now,
        config: loadConfig({}).scrape,
        browser: null,
        facts,
      },
      { series },
    );
    expect(summary.status).toBe("done");
    expect(clients.rottentomatoes.requests.length).toBeGreaterThan(0);
    expect([...facts.written, ...facts.overwritten]).toEqual([]);
  });

  it("quality: runs the suite for the run, stores it, and fails the run only on an error-severity failure", async () => {
    const { db, prisma } = t;
    const first = await checkQuality({ prisma, metrics: new HarvesterMetrics(), logger: quiet.logger, now }, { runId });
    expect(first.results.length).toBeGreaterThan(5);
    const stored = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM quality_check_result WHERE run_id = $1`, [runId]);
    expect(stored[0]?.n).toBe(first.results.length);
    await db.query(`UPDATE series_dim SET imdb_id = 'nm0000001' WHERE series_id = $1`, [seeds[0]!.tmdbId]);
    const second = await checkQuality({ prisma, metrics: new HarvesterMetrics(), logger: quiet.logger, now }, { runId });
    expect(second.failed).toBe(true);
    expect(second.results.find((r) => r.check === "accepted_values.series_dim.imdb_id")).toMatchObject({ passed: false, observed: 1 });
    expect(first.failed).toBe(false);
  });
});

// Last in the file: its run's series versions must not change what the stages above see.
describe("SeriesLoader", () => {
  it("loads series in batches as they come, then the rest, the TMDB facts and the quarantine", async () => {
    const { db, prisma } = t;
    const [other] = await db.query<{ run_id: number }>(`INSERT INTO harvest_run (trigger, started_at) VALUES ('test', $1) RETURNING run_id`, [NOW]);
    const facts = recordingFacts();
    const quarantine = recordingQuarantine();
    const loader = new SeriesLoader({ prisma, runId: other!.run_id, facts, quarantine }, 3);
    const versions = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM series_version WHERE run_id = $1`, [other!.run_id]))[0]!.n;
    const series = seeds.map(record);
    for (const s of series.slice(0, 4)) await loader.add(s);
    // The first batch of 3 is written (or being written) while the next fills; the 4th waits for its batch.
    await loader.add(series[4]!);
    await loader.add(series[5]!);
    await loader.add(series[6]!);
    expect(await versions()).toBeGreaterThanOrEqual(3);
    await loader.add(series[7]!);
    const ratings: RatingObservation[] = [
      { seriesId: series[0]!.id, source: "tmdb", score: 7, voteCount: 10, voteCountIsLowerBound: false, grain: "series", method: "api" },
    ];
    const rows = await loader.finish(ratings);
    expect(rows.series_version).toBe(seeds.length);
    expect(loader.loaded).toBe(seeds.length);
    expect(await versions()).toBe(seeds.length);
    expect(facts.written).toEqual(ratings);
    expect(quarantine.flushes).toBe(1);
  });
});
