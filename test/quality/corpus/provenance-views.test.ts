/**
 * Provenance of scraped values in the analyst views: `analytics.latest_ratings`, `analytics.series_profile` and the
 * season-grain `analytics.season_rating_history` give, beside every scraped value, the page it was read from, the
 * strategies that read its score and its count, and when it was observed; the reader role (Tableau, Grafana) reads
 * them. Facts are written by the loader, as a harvest writes them.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createReaderCommand } from "../../../src/commands/db.js";
import { createPrisma, type PrismaClient } from "../../../src/db/prisma.js";
import { insertRatingFacts, insertSeasonRatingFacts } from "../../../src/load/loader.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/db.js";

const ROLE = `reader_${Math.random().toString(36).slice(2, 8)}`;
const PASSWORD = "provenance reader password";
const RT = "https://www.rottentomatoes.com/tv/the_bear";
const MC = "https://www.metacritic.com/tv/the-bear/";

let db: TestDatabase;
let prisma: PrismaClient;

/** Rows of `sql` read as the reader role. */
async function asReader(sql: string): Promise<Record<string, unknown>[]> {
  const url = new URL(db.url);
  url.username = ROLE;
  url.password = PASSWORD;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(db.url);
  await db.query(`INSERT INTO harvest_run (run_id, status, finished_at) VALUES (1, 'succeeded', '2026-12-01T04:00:00Z')`);
  await db.query(`INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (136315, 'The Bear', 'The Bear', 1, 1)`);
  await db.query(
    `INSERT INTO series_version (series_id, run_id, title, original_title, creators, keywords) VALUES (136315, 1, 'The Bear', 'The Bear', '{}', '{}')`,
  );
  await db.query(`INSERT INTO season_version (series_id, run_id, season_number, name) VALUES (136315, 1, 1, 'Season 1'), (136315, 1, 2, 'Season 2')`);
  await insertRatingFacts(prisma, 1, [
    { seriesId: 136315, source: "imdb", score: 8.5, voteCount: 310000, voteCountIsLowerBound: false, grain: "series", method: "api" },
    {
      seriesId: 136315,
      source: "rotten_tomatoes_audience",
      score: 89,
      voteCount: 393712,
      voteCountIsLowerBound: false,
      grain: "series",
      method: "score-board-deprecated",
      countMethod: "score-details-json",
      pageUrl: RT,
    },
    {
      seriesId: 136315,
      source: "metacritic_users",
      score: 7.9,
      voteCount: 1284,
      voteCountIsLowerBound: false,
      grain: "series",
      method: "site-review-score",
      countMethod: "site-review-score",
      pageUrl: MC,
    },
  ]);
  await insertSeasonRatingFacts(prisma, 1, [
    {
      seriesId: 136315,
      seasonNumber: 1,
      source: "rotten_tomatoes_critics",
      score: 100,
      voteCount: null,
      voteCountIsLowerBound: false,
      method: "tile-season",
      countMethod: null,
      pageUrl: RT,
    },
    {
      seriesId: 136315,
      seasonNumber: 2,
      source: "rotten_tomatoes_critics",
      score: 99,
      voteCount: 118,
      voteCountIsLowerBound: false,
      method: "json-ld",
      countMethod: "json-ld",
      pageUrl: `${RT}/s02`,
    },
  ]);
  await createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: { roleName: ROLE, password: PASSWORD } });
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  await admin.end();
});

describe("provenance of scraped values, as the reader role reads it", () => {
  it("analytics.latest_ratings: page, strategies and time beside every value (none for an API source's page)", async () => {
    const rows = await asReader(
      `SELECT source, method, count_method, page_url, observed_at IS NOT NULL AS observed FROM analytics.latest_ratings ORDER BY source`,
    );
    expect(rows).toEqual([
      { source: "imdb", method: "api", count_method: null, page_url: null, observed: true },
      { source: "metacritic_users", method: "site-review-score", count_method: "site-review-score", page_url: MC, observed: true },
      { source: "rotten_tomatoes_audience", method: "score-board-deprecated", count_method: "score-details-json", page_url: RT, observed: true },
    ]);
  });

  it("analytics.series_profile: each scraped source's page, strategies and time", async () => {
    const [row] = await asReader(
      `SELECT tomatoes_audience, tomatoes_audience_page_url, tomatoes_audience_method, tomatoes_audience_count_method,
              tomatoes_audience_observed_at IS NOT NULL AS tomatoes_audience_observed,
              metauser_page_url, metauser_method, metauser_count_method,
              tomatoes_critic_page_url, metacritic_page_url
       FROM analytics.series_profile`,
    );
    expect(row).toEqual({
      tomatoes_audience: "89.00",
      tomatoes_audience_page_url: RT,
      tomatoes_audience_method: "score-board-deprecated",
      tomatoes_audience_count_method: "score-details-json",
      tomatoes_audience_observed: true,
      metauser_page_url: MC,
      metauser_method: "site-review-score",
      metauser_count_method: "site-review-score",
      // No Tomatometer or Metascore was scraped: no page either.
      tomatoes_critic_page_url: null,
      metacritic_page_url: null,
    });
  });

  it("analytics.season_rating_history: a season page's values and a series page's season tile, each with its page", async () => {
    const rows = await asReader(
      `SELECT season_number, score, method, count_method, page_url, observed_at IS NOT NULL AS observed
       FROM analytics.season_rating_history ORDER BY season_number`,
    );
    expect(rows).toEqual([
      { season_number: 1, score: "100.00", method: "tile-season", count_method: null, page_url: RT, observed: true },
      { season_number: 2, score: "99.00", method: "json-ld", count_method: "json-ld", page_url: `${RT}/s02`, observed: true },
    ]);
  });

  it("the reader still cannot read the fact tables behind them", async () => {
    await expect(asReader(`SELECT page_url FROM rating_fact`)).rejects.toMatchObject({ code: "42501" });
  });
});
