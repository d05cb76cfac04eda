/**
 * The scrape stage's season pages against a local replay and a real database: which season pages it asks for
 * (the cap), what it refuses (a link that lands on the series page or on another season, a page that is gone),
 * that a season page's trouble leaves the series' state alone, and that a resumed attempt takes the season links
 * and pages from the page cache without asking again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PageFetchResult } from "../../src/enrichers/fetch-page.js";
import { type PageCache, scrapeRatingsSites, type RatingsSitesDeps, type ScrapeTarget } from "../../src/enrichers/ratings-sites.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { buildSiteRoutes, renderRottenTomatoesPage, renderRottenTomatoesSeasonPage } from "../../src/replay/sites.js";
import { type ReplayRoute, type ReplayServer, startReplayServer } from "../../src/replay/server.js";
import { useTestDatabase } from "../helpers/db.js";
import { siteStageDeps } from "../helpers/ratings-sites.js";

const season = (seasonNumber: number, critics: number, audience: number) => ({
  seasonNumber,
  critics,
  criticsCount: 40 + seasonNumber,
  audience,
  audienceCount: 2600,
});
const FARGO = {
  title: "Fargo",
  firstAirDate: "2014-04-15",
  lastAirDate: null,
  status: "Returning Series",
  wikidataId: null,
  rottenTomatoes: {
    slug: "fargo",
    critics: 97,
    criticsCount: 500,
    audience: 93,
    audienceCount: 25000,
    seasons: [1, 2, 3, 4, 5].map((n) => season(n, 90 + n, 80 + n)),
  },
  metacritic: null,
};
const TARGET: ScrapeTarget = { id: 60622, title: "Fargo", originalTitle: "Fargo", firstAirDate: "2014-04-15", wikidataId: null };

describe("scrapeRatingsSites: season pages", () => {
  const fixture = useTestDatabase();
  const servers: Record<string, ReplayServer> = {};

  beforeAll(async () => {
    const routes = buildSiteRoutes([FARGO]);
    // Season 3's link lands on the series page (as a redirect would), season 4's on season 2's page, season 5 is gone.
    routes.rottentomatoes.set("/tv/fargo/s03", {
      body: renderRottenTomatoesPage({
        pageId: "tv/fargo",
        title: "Fargo",
        year: 2014,
        criticsScore: 97,
        criticsCount: 500,
        audienceScore: 93,
        audienceCount: 25000,
        layout: "scorecard",
      }),
    });
    routes.rottentomatoes.set("/tv/fargo/s04", { body: renderRottenTomatoesSeasonPage({ pageId: "tv/fargo", title: "Fargo" }, season(2, 92, 82)) });
    routes.rottentomatoes.delete("/tv/fargo/s05");
    const notFound = () => ({ status: 404, body: "<html>Not Found</html>" });
    servers.wikidata = await startReplayServer({ name: "wikidata", routes: routes.wikidata as Map<string, ReplayRoute> });
    servers.rottentomatoes = await startReplayServer({ name: "rottentomatoes", routes: routes.rottentomatoes as Map<string, ReplayRoute>, notFound });
    servers.metacritic = await startReplayServer({ name: "metacritic", routes: routes.metacritic as Map<string, ReplayRoute>, notFound });
    await fixture.db.query(`INSERT INTO harvest_run (trigger) VALUES ('test'), ('test')`);
    await fixture.db.query(
      `INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (60622, 'Fargo', 'Fargo', 1, 1)`,
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  function deps(runId: number, pageCache?: PageCache): RatingsSitesDeps {
    const base = siteStageDeps(servers, {
      prisma: fixture.prisma,
      runId,
      metrics: new HarvesterMetrics(),
      now: () => new Date("2026-12-01T03:00:00Z"),
    });
    return { ...base, sites: ["rottentomatoes"], ...(pageCache ? { pageCache } : {}) };
  }

  /** An in-memory page cache, as the answer store keeps results (without their HTML). */
  function memoryCache(): PageCache & { size: () => number } {
    const kept = new Map<string, PageFetchResult>();
    return {
      get: (site, path) => kept.get(`${site} ${path}`),
      put: async (site, path, result) => {
        kept.set(`${site} ${path}`, JSON.parse(JSON.stringify(result.kind === "page" ? { ...result, html: "" } : result)) as PageFetchResult);
      },
      size: () => kept.size,
    };
  }

  it("fetches season 1 and the latest three, loads only real pages of the linked season, and leaves the series' state alone", async () => {
    const cache = memoryCache();
    const result = await scrapeRatingsSites(deps(1, cache), [TARGET]);

    expect(result.seasonObservations).toEqual([
      {
        seriesId: 60622,
        seasonNumber: 1,
        source: "rotten_tomatoes_critics",
        score: 91,
        voteCount: 41,
        voteCountIsLowerBound: false,
        method: "json-ld",
      },
      {
        seriesId: 60622,
        seasonNumber: 1,
        source: "rotten_tomatoes_audience",
        score: 81,
        voteCount: 2500,
        voteCountIsLowerBound: true,
        method: "scorecard-json",
      },
    ]);
    // The series' own scores are untouched by its season pages.
    expect(result.observations.map((o) => [o.source, o.score, o.grain])).toEqual([
      ["rotten_tomatoes_critics", 97, "series"],
      ["rotten_tomatoes_audience", 93, "series"],
    ]);
    expect(result.bySite.rottentomatoes).toMatchObject({
      series: 1,
      pagesParsed: 1,
      seasonPages: 4,
      seasonPagesParsed: 1,
      seasonPagesRejected: 2,
      seasonObservations: 2,
      noPage: 0,
      layoutChanges: 0,
    });
    const asked = servers.rottentomatoes!.requests.map((r) => r.key).filter((k) => k !== "/robots.txt");
    expect(asked).toEqual(["/tv/fargo", "/tv/fargo/s01", "/tv/fargo/s03", "/tv/fargo/s04", "/tv/fargo/s05"]);
    expect(await fixture.db.query(`SELECT site, url FROM rating_page`)).toEqual([
      { site: "rottentomatoes", url: `${servers.rottentomatoes!.url}/tv/fargo` },
    ]);
    // The outcome waits for the run to be published (enrichment_outcome).
    expect(await fixture.db.query(`SELECT source, status FROM enrichment_outcome`)).toEqual([{ source: "rottentomatoes", status: "found" }]);

    // A resumed attempt: the series page's season links and the season pages come from the cache.
    const before = servers.rottentomatoes!.requests.length;
    const again = await scrapeRatingsSites(deps(1, cache), [TARGET]);
    expect(
      servers
        .rottentomatoes!.requests.slice(before)
        .map((r) => r.key)
        .filter((k) => k !== "/robots.txt"),
    ).toEqual([]);
    expect(again.seasonObservations).toEqual(result.seasonObservations);
  });

  it("skips seasons the run did not load or that have not aired, and fetches none with a cap of 0", async () => {
    const known = [
      { seasonNumber: 1, airDate: "2014-04-15" },
      { seasonNumber: 2, airDate: "2015-10-12" },
      { seasonNumber: 5, airDate: "2027-01-01" },
    ];
    const before = servers.rottentomatoes!.requests.length;
    const result = await scrapeRatingsSites(deps(2), [{ ...TARGET, seasons: known }]);
    expect(
      servers
        .rottentomatoes!.requests.slice(before)
        .map((r) => r.key)
        .filter((k) => /\/s\d+$/.test(k)),
    ).toEqual(["/tv/fargo/s01", "/tv/fargo/s02"]);
    expect(result.seasonObservations.map((o) => [o.seasonNumber, o.source])).toEqual([
      [1, "rotten_tomatoes_critics"],
      [1, "rotten_tomatoes_audience"],
      [2, "rotten_tomatoes_critics"],
      [2, "rotten_tomatoes_audience"],
    ]);

    const off = deps(2);
    const beforeOff = servers.rottentomatoes!.requests.length;
    const none = await scrapeRatingsSites({ ...off, config: { ...off.config, seasonPagesPerSeries: 0 } }, [TARGET]);
    expect(none.seasonObservations).toEqual([]);
    expect(
      servers
        .rottentomatoes!.requests.slice(beforeOff)
        .map((r) => r.key)
        .filter((k) => /\/s\d+$/.test(k)),
    ).toEqual([]);
  });
});
