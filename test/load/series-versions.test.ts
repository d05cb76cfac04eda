/**
 * The loader's per-run versions on a real PostgreSQL: a resumed load of the same run rewrites its version in place
 * (keeping the season-grain facts already written for it), a later run gets a version of its own, seasons the run no
 * longer lists go, and season-grain facts only attach to seasons the run loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../src/db/prisma.js";
import type { SeriesRecord } from "../../src/domain.js";
import { insertRatingFacts, insertSeasonRatingFacts, upsertGenres, upsertSeries } from "../../src/load/loader.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seriesRecord } from "../helpers/records.js";

let db: TestDatabase;
let prisma: PrismaClient;
let runs: number[];

const record = (overrides: Partial<SeriesRecord> = {}): SeriesRecord =>
  seriesRecord({
    numberOfSeasons: 2,
    numberOfEpisodes: 20,
    plot: null,
    backdropPath: "/b.jpg",
    creators: ["Vince Gilligan"],
    keywords: ["drug dealer", "chemistry"],
    contentRatings: [{ region: "US", rating: "TV-MA" }],
    availability: [{ platform: { id: 8, name: "Netflix", logoPath: "/n.jpg" }, region: "US", offerType: "flatrate", displayPriority: 1 }],
    seasons: [
      { seasonNumber: 1, tmdbSeasonId: 3572, name: "Season 1", airDate: "2008-01-20", episodeCount: 7 },
      { seasonNumber: 2, tmdbSeasonId: 3573, name: "Season 2", airDate: "2009-03-08", episodeCount: 13 },
    ],
    ...overrides,
  });

const rows = (sql: string, params: unknown[] = []) => db.query(sql, params);

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(db.url);
  const created = await rows(`INSERT INTO harvest_run (status) VALUES ('running'), ('running') RETURNING run_id`);
  runs = created.map((r) => Number(r.run_id));
  await upsertGenres(prisma, runs[0]!, [
    { id: 18, name: "Drama" },
    { id: 80, name: "Crime" },
  ]);
});
afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

describe("series versions", () => {
  it("writes the run's version with its bridges, platforms, content ratings and seasons", async () => {
    const counts = await upsertSeries(prisma, runs[0]!, [record()]);
    expect(counts).toMatchObject({
      series_version: 1,
      platform_dim: 1,
      series_genre_version: 1,
      series_network_version: 1,
      series_platform_version: 1,
      series_content_rating_version: 1,
      season_version: 2,
    });
    // The counts are labelled by the tables written (the rows_written metric's `table`): each names a table.
    const tables = await rows(`SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL`, [Object.keys(counts)]);
    expect(tables).toEqual([]);
    expect(await rows(`SELECT title, creators, keywords, backdrop_path FROM series_version WHERE run_id = $1`, [runs[0]])).toEqual([
      { title: "Breaking Bad", creators: ["Vince Gilligan"], keywords: ["drug dealer", "chemistry"], backdrop_path: "/b.jpg" },
    ]);
  });

  it("a resumed load of the same run rewrites the version in place and keeps its season-grain facts", async () => {
    const facts = await insertSeasonRatingFacts(prisma, runs[0]!, [
      {
        seriesId: 1396,
        seasonNumber: 2,
        source: "rotten_tomatoes_critics",
        score: 97,
        voteCount: 40,
        voteCountIsLowerBound: false,
        method: "json-ld",
      },
      {
        seriesId: 1396,
        seasonNumber: 9,
        source: "rotten_tomatoes_critics",
        score: 50,
        voteCount: 1,
        voteCountIsLowerBound: false,
        method: "json-ld",
      },
    ]);
    expect(facts).toEqual({ season_rating_fact: 1 }); // season 9 was not loaded by the run: skipped
    await upsertSeries(prisma, runs[0]!, [record({ genres: [{ id: 80, name: "Crime" }], seasons: record().seasons.slice(1) })]);
    expect(await rows(`SELECT run_id, genre_id FROM series_genre_version ORDER BY 1, 2`)).toEqual([{ run_id: runs[0], genre_id: 80 }]);
    expect(await rows(`SELECT season_number FROM season_version WHERE run_id = $1`, [runs[0]])).toEqual([{ season_number: 2 }]);
    expect(await rows(`SELECT season_number, score::float8 FROM season_rating_fact`)).toEqual([{ season_number: 2, score: 97 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM series_version`)).toEqual([{ n: 1 }]);
  });

  it("a later run gets a version of its own; the earlier one stays as it was", async () => {
    await upsertSeries(prisma, runs[1]!, [record({ title: "Breaking Bad (renamed)", availability: [] })]);
    expect(await rows(`SELECT run_id, title FROM series_version ORDER BY run_id`)).toEqual([
      { run_id: runs[0], title: "Breaking Bad" },
      { run_id: runs[1], title: "Breaking Bad (renamed)" },
    ]);
    expect(await rows(`SELECT run_id, platform_id FROM series_platform_version ORDER BY run_id`)).toEqual([{ run_id: runs[0], platform_id: 8 }]);
  });

  it("season-grain facts show in their own view only, on the 0–100 scale", async () => {
    await rows(`UPDATE harvest_run SET status = 'succeeded', finished_at = now() WHERE run_id = $1`, [runs[0]]);
    expect(await rows(`SELECT title, season_number, source, score_normalized::float8 FROM analytics.season_rating_history`)).toEqual([
      { title: "Breaking Bad", season_number: 2, source: "rotten_tomatoes_critics", score_normalized: 97 },
    ]);
    expect(await rows(`SELECT count(*)::int AS n FROM analytics.rating_history`)).toEqual([{ n: 0 }]);
    expect(await rows(`SELECT count(*)::int AS n FROM analytics.latest_ratings`)).toEqual([{ n: 0 }]);
  });
});

describe("rating facts", () => {
  it("a source taking precedence replaces the value with its provenance: a site's score over OMDb's copy carries the site's page", async () => {
    const runId = runs[1]!;
    await upsertSeries(prisma, runId, [record({ id: 1399 })]);
    const copy = { seriesId: 1399, source: "metacritic_critics", score: 80, voteCount: null, voteCountIsLowerBound: false, grain: "series" } as const;
    await insertRatingFacts(prisma, runId, [{ ...copy, method: "api" }]);
    const page = "https://www.metacritic.com/tv/game-of-thrones/";
    const site = { ...copy, score: 86, voteCount: 20, method: "json-ld", countMethod: "json-ld", pageUrl: page };
    // Written again without precedence (a resume): kept as it was.
    expect(await insertRatingFacts(prisma, runId, [site])).toEqual({ rating_fact: 0 });
    expect(await insertRatingFacts(prisma, runId, [site], { replace: true })).toEqual({ rating_fact: 1 });
    expect(await rows(`SELECT score::float8 AS score, vote_count, method, count_method, page_url FROM rating_fact WHERE series_id = 1399`)).toEqual([
      { score: 86, vote_count: 20, method: "json-ld", count_method: "json-ld", page_url: page },
    ]);
    // The same again: nothing to write.
    expect(await insertRatingFacts(prisma, runId, [site], { replace: true })).toEqual({ rating_fact: 0 });
  });
});
