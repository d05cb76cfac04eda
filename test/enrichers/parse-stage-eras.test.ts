/**
 * The ratings-site stage on pages of the new eras, against a local replay and a real database: a strategy
 * disagreement planted on a series page is flagged in the quarantine (kind `flagged`) and counted by site, strategy
 * and field; every observation names its page and the strategies that read it; and the series page's season tiles
 * give the season-grain scores of the seasons whose page was not read (gone, or not chosen), never of one whose page
 * was.
 */
import { readFileSync } from "node:fs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrapeRatingsSites } from "../../src/enrichers/ratings-sites.js";
import type { ScrapeTarget } from "../../src/enrichers/resolve.js";
import { parseRottenTomatoesPage } from "../../src/enrichers/rottentomatoes/parse.js";
import { AnswerStore } from "../../src/pipeline/answer-store.js";
import { answerStorePageCache } from "../../src/pipeline/stages/ratings-sites.js";
import { Quarantine } from "../../src/load/quarantine.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { type ReplayRoute, type ReplayServer, startReplayServer } from "../../src/replay/server.js";
import { SecretScrubber } from "../../src/secrets.js";
import { useTestDatabase } from "../helpers/db.js";
import { siteStageDeps } from "../helpers/ratings-sites.js";

const page = (name: string) => readFileSync(new URL(`../fixtures/pages/${name}`, import.meta.url), "utf8");

// The scorecard JSON's Tomatometer planted at 91 where JSON-LD and the markup say 94.
const SERIES_PAGE = page("built-rt-2024-series-scorecard-tile-season-the-bear.html")
  .replace('"reviewCount":412,"score":"94"', '"reviewCount":412,"score":"91"')
  // The season list the JSON-LD gives (as Rotten Tomatoes' does), so that the stage finds the season pages.
  .replace(
    '"startDate":"2022-06-23",',
    '"startDate":"2022-06-23","containsSeason":[{"url":"/tv/the_bear/s01"},{"url":"/tv/the_bear/s02"},{"url":"/tv/the_bear/s03"}],',
  );

const TARGET: ScrapeTarget = {
  id: 136315,
  title: "The Bear",
  originalTitle: "The Bear",
  firstAirDate: "2022-06-23",
  wikidataId: null,
  // Season 3 not aired as far as the run knows: its page is not chosen, its tile still read.
  seasons: [
    { seasonNumber: 1, airDate: "2022-06-23" },
    { seasonNumber: 2, airDate: "2023-06-22" },
    { seasonNumber: 3, airDate: null },
  ],
};

describe("scrapeRatingsSites on the eras' pages", () => {
  const fixture = useTestDatabase();
  let server: ReplayServer;

  beforeAll(async () => {
    const routes = new Map<string, ReplayRoute>([
      ["/tv/the_bear", { body: SERIES_PAGE }],
      ["/tv/the_bear/s02", { body: page("built-rt-2024-season-page-the-bear-s02.html") }],
    ]);
    // Season 1's page is gone: its tile stands in.
    server = await startReplayServer({ name: "rottentomatoes", routes, notFound: () => ({ status: 404, body: "<html>Not Found</html>" }) });
    await fixture.db.query(`INSERT INTO harvest_run (trigger) VALUES ('test')`);
    await fixture.db.query(
      `INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES ($1, $2, $2, 1, 1)`,
      [TARGET.id, TARGET.title],
    );
  });

  afterAll(async () => {
    await server.close();
  });

  it("flags and counts a planted disagreement, names the page of every value, and reads unread seasons from the tiles", async () => {
    const metrics = new HarvesterMetrics();
    const quarantine = new Quarantine({
      prisma: fixture.prisma,
      runId: 1,
      scrubber: new SecretScrubber([]),
      metrics,
      logger: pino({ level: "silent" }),
    });
    const deps = siteStageDeps(
      { rottentomatoes: server, wikidata: server },
      { prisma: fixture.prisma, runId: 1, metrics, now: () => new Date("2026-12-01T00:00:00Z") },
    );
    const result = await scrapeRatingsSites({ ...deps, sites: ["rottentomatoes"], quarantine }, [TARGET]);
    await quarantine.flush();
    const url = `${server.url}/tv/the_bear`;

    // The series' values: the more stable JSON-LD's Tomatometer (94, not the planted 91), each with its page.
    expect(result.observations).toEqual([
      {
        seriesId: 136315,
        source: "rotten_tomatoes_critics",
        score: 94,
        voteCount: 412,
        voteCountIsLowerBound: false,
        grain: "series",
        method: "json-ld",
        countMethod: "json-ld",
        pageUrl: url,
      },
      {
        seriesId: 136315,
        source: "rotten_tomatoes_audience",
        score: 76,
        voteCount: 5000,
        voteCountIsLowerBound: true,
        grain: "series",
        method: "scorecard-json",
        countMethod: "scorecard-json",
        pageUrl: url,
      },
    ]);

    // Flagged once for the page, with both strategies' values; counted by site, the losing strategy and the field.
    const flagged = await fixture.db.query<{ source: string; upstream_key: string; kind: string; reason: string; issues: unknown }>(
      `SELECT source, upstream_key, kind, reason, issues FROM quarantine ORDER BY quarantine_id`,
    );
    expect(flagged).toEqual([
      {
        source: "rottentomatoes",
        upstream_key: "/tv/the_bear",
        kind: "flagged",
        reason: "inconsistent",
        issues: [
          { path: "critics_score", reason: "inconsistent", message: "scorecard-json read 91, json-ld read 94 (kept: the more stable strategy)" },
        ],
      },
    ]);
    const counted = await metrics.scraperStrategyDisagreements.get();
    expect(counted.values).toEqual([{ labels: { site: "rottentomatoes", strategy: "scorecard-json", field: "critics_score" }, value: 1 }]);

    // Season 2 from its own page; seasons 1 (page gone) and 3 (page not chosen) from the series page's tiles. Season 3's
    // audience tile shows no score yet ("- -"), so it gives none.
    const bySeason = result.seasonObservations.map((o) => [o.seasonNumber, o.source, o.score, o.voteCount, o.method, o.countMethod, o.pageUrl]);
    expect(bySeason).toEqual([
      [2, "rotten_tomatoes_critics", 99, 118, "json-ld", "json-ld", `${server.url}/tv/the_bear/s02`],
      [2, "rotten_tomatoes_audience", 88, 1000, "scorecard-json", "scorecard-json", `${server.url}/tv/the_bear/s02`],
      [1, "rotten_tomatoes_critics", 100, null, "tile-season", null, url],
      [1, "rotten_tomatoes_audience", 91, null, "tile-season", null, url],
      [3, "rotten_tomatoes_critics", 89, null, "tile-season", null, url],
    ]);
  });
});

describe("page results kept by an earlier attempt (harvest --resume)", () => {
  const kept = (parse: unknown) => ({
    upstream: "rottentomatoes",
    requestKey: "page:/tv/the_bear",
    httpStatus: 200,
    payload: { kind: "page", url: "https://www.rottentomatoes.com/tv/the_bear", status: 200, via: "http", html: "", parse },
    bodyText: null,
  });
  const writer = { add: async () => undefined, flush: async () => undefined };

  it("are taken when their parse says what the page is, and fetched again when it was kept without the page's kind", () => {
    const parse = parseRottenTomatoesPage(SERIES_PAGE);
    const current = answerStorePageCache(AnswerStore.fromRows(1, new SecretScrubber([]), [kept(parse)], writer));
    expect(current.get("rottentomatoes", "/tv/the_bear")).toMatchObject({ kind: "page", parse: { kind: "series" } });
    // An earlier version kept `grain` instead: read as it is, the page would give no score at all.
    const { kind: _kind, ...withoutKind } = parse;
    const older = answerStorePageCache(AnswerStore.fromRows(1, new SecretScrubber([]), [kept({ ...withoutKind, grain: "series" })], writer));
    expect(older.get("rottentomatoes", "/tv/the_bear")).toBeUndefined();
  });
});
