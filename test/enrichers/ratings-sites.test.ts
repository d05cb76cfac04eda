import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scrapeRatingsSites, type RatingsSitesDeps, type ScrapeTarget } from "../../src/enrichers/ratings-sites.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { buildSiteRoutes, renderRottenTomatoesPage } from "../../src/replay/sites.js";
import { type ReplayServer, type ReplayRoute, startReplayServer } from "../../src/replay/server.js";
import { useTestDatabase } from "../helpers/db.js";
import { siteStageDeps } from "../helpers/ratings-sites.js";

const site = (rt: [string, number, number, number, number] | null, mc: [string, number, number, number, number] | null) => ({
  rottenTomatoes: rt && { slug: rt[0], critics: rt[1], criticsCount: rt[2], audience: rt[3], audienceCount: rt[4] },
  metacritic: mc && { slug: mc[0], critics: mc[1], criticsCount: mc[2], audience: mc[3], audienceCount: mc[4] },
});

/** The sites' catalogue: what the replay serves. */
const catalogue = [
  {
    title: "Breaking Bad",
    firstAirDate: "2008-01-20",
    lastAirDate: "2013-09-29",
    status: "Ended",
    wikidataId: "Q1079",
    ...site(["breaking_bad", 96, 160, 97, 250000], ["breaking-bad", 87, 16, 9.3, 24426]),
  },
  {
    title: "The Wire",
    firstAirDate: "2002-06-02",
    lastAirDate: "2008-03-09",
    status: "Ended",
    wikidataId: null,
    ...site(["the_wire", 94, 90, 96, 50000], null),
  },
  // The trap: RT's tv/shameless is the 2004 British show.
  {
    title: "Shameless",
    firstAirDate: "2004-01-13",
    lastAirDate: "2013-05-28",
    status: "Ended",
    wikidataId: null,
    ...site(["shameless", 100, 9, 91, 1000], null),
  },
];

/** The series being harvested. */
const targets: ScrapeTarget[] = [
  { id: 1396, title: "Breaking Bad", originalTitle: "Breaking Bad", firstAirDate: "2008-01-20", wikidataId: "Q1079" },
  { id: 1438, title: "The Wire", originalTitle: "The Wire", firstAirDate: "2002-06-02", wikidataId: null },
  { id: 34307, title: "Shameless", originalTitle: "Shameless", firstAirDate: "2011-01-09", wikidataId: null },
  { id: 67070, title: "Fleabag", originalTitle: "Fleabag", firstAirDate: "2016-07-21", wikidataId: null },
];

describe("scrapeRatingsSites against local replays and a real database", () => {
  const fixture = useTestDatabase();
  const servers: Record<string, ReplayServer> = {};
  let runId = 0;

  beforeAll(async () => {
    const routes = buildSiteRoutes(catalogue);
    // Fleabag's RT page is set by an override and has a layout no strategy knows.
    routes.rottentomatoes.set("/tv/fleabag_2016_override", {
      body: renderRottenTomatoesPage({
        pageId: "tv/fleabag_2016_override",
        title: "Fleabag",
        year: 2016,
        criticsScore: 100,
        criticsCount: 80,
        audienceScore: 93,
        audienceCount: 5000,
        layout: "layout-changed",
      }),
    });
    const notFound = () => ({ status: 404, body: "<html>Not Found</html>" });
    servers.wikidata = await startReplayServer({ name: "wikidata", routes: routes.wikidata as Map<string, ReplayRoute> });
    servers.rottentomatoes = await startReplayServer({ name: "rottentomatoes", routes: routes.rottentomatoes as Map<string, ReplayRoute>, notFound });
    servers.metacritic = await startReplayServer({ name: "metacritic", routes: routes.metacritic as Map<string, ReplayRoute>, notFound });
    await fixture.db.query(`INSERT INTO harvest_run (trigger) VALUES ('test'), ('test')`);
    for (const t of targets) {
      await fixture.db.query(
        `INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES ($1, $2, $2, 1, 1)`,
        [t.id, t.title],
      );
    }
    await fixture.db.query(
      `INSERT INTO rating_page_override (series_id, site, url, note) VALUES (67070, 'rottentomatoes', 'https://www.rottentomatoes.com/tv/fleabag_2016_override', 'test'), (1438, 'metacritic', NULL, 'no Metacritic page')`,
    );
  });

  afterAll(async () => {
    await Promise.all(Object.values(servers).map((s) => s.close()));
  });

  function deps(metrics: HarvesterMetrics): RatingsSitesDeps {
    runId += 1;
    return siteStageDeps(servers, { prisma: fixture.prisma, runId, metrics, now: () => new Date() });
  }

  it("first run: Wikidata, verified slugs, overrides, the same-title trap and a layout change", async () => {
    const metrics = new HarvesterMetrics();
    const result = await scrapeRatingsSites(deps(metrics), targets);
    const rt = servers.rottentomatoes?.url ?? "";
    const mc = servers.metacritic?.url ?? "";

    const sorted = [...result.observations].sort((a, b) => a.seriesId - b.seriesId || a.source.localeCompare(b.source));
    expect(sorted).toEqual([
      {
        seriesId: 1396,
        source: "metacritic_critics",
        score: 87,
        voteCount: 16,
        voteCountIsLowerBound: false,
        grain: "series",
        method: "json-ld",
        countMethod: "json-ld",
        pageUrl: `${mc}/tv/breaking-bad/`,
      },
      {
        seriesId: 1396,
        source: "metacritic_users",
        score: 9.3,
        voteCount: 24426,
        voteCountIsLowerBound: false,
        grain: "series",
        method: "testid-markup",
        countMethod: "testid-markup",
        pageUrl: `${mc}/tv/breaking-bad/`,
      },
      {
        seriesId: 1396,
        source: "rotten_tomatoes_audience",
        score: 97,
        voteCount: 250000,
        voteCountIsLowerBound: true,
        grain: "series",
        method: "scorecard-json",
        countMethod: "scorecard-json",
        pageUrl: `${rt}/tv/breaking_bad`,
      },
      {
        seriesId: 1396,
        source: "rotten_tomatoes_critics",
        score: 96,
        voteCount: 160,
        voteCountIsLowerBound: false,
        grain: "series",
        method: "json-ld",
        countMethod: "json-ld",
        pageUrl: `${rt}/tv/breaking_bad`,
      },
      // The Wire's RT page (rotation index 1 → scorecard) found by its slug and confirmed.
      {
        seriesId: 1438,
        source: "rotten_tomatoes_audience",
        score: 96,
        voteCount: 50000,
        voteCountIsLowerBound: true,
        grain: "series",
        method: "scorecard-json",
        countMethod: "scorecard-json",
        pageUrl: `${rt}/tv/the_wire`,
      },
      {
        seriesId: 1438,
        source: "rotten_tomatoes_critics",
        score: 94,
        voteCount: 90,
        voteCountIsLowerBound: false,
        grain: "series",
        method: "json-ld",
        countMethod: "json-ld",
        pageUrl: `${rt}/tv/the_wire`,
      },
    ]);
    // No score from the 2004 show for the 2011 series.
    expect(result.observations.some((o) => o.seriesId === 34307)).toBe(false);

    const pages = await fixture.db.query(`SELECT series_id, site, url, method FROM rating_page ORDER BY series_id, site`);
    expect(pages).toEqual([
      { series_id: 1396, site: "metacritic", url: `${mc}/tv/breaking-bad/`, method: "wikidata" },
      { series_id: 1396, site: "rottentomatoes", url: `${rt}/tv/breaking_bad`, method: "wikidata" },
      { series_id: 1438, site: "metacritic", url: null, method: "override" },
      { series_id: 1438, site: "rottentomatoes", url: `${rt}/tv/the_wire`, method: "slug" },
      { series_id: 34307, site: "metacritic", url: null, method: "slug" },
      { series_id: 34307, site: "rottentomatoes", url: null, method: "slug" },
      { series_id: 67070, site: "metacritic", url: null, method: "slug" },
      { series_id: 67070, site: "rottentomatoes", url: `${rt}/tv/fleabag_2016_override`, method: "override" },
    ]);

    const events = await fixture.db.query(`SELECT site, series_id, kind, url FROM scrape_event WHERE run_id = 1 ORDER BY scrape_event_id`);
    expect(events).toEqual([{ site: "rottentomatoes", series_id: 67070, kind: "layout_change", url: `${rt}/tv/fleabag_2016_override` }]);

    // The outcomes wait for the run to be published (enrichment_outcome).
    const states = await fixture.db.query(`SELECT series_id, source, status FROM enrichment_outcome ORDER BY series_id, source`);
    expect(states).toEqual([
      { series_id: 1396, source: "metacritic", status: "found" },
      { series_id: 1396, source: "rottentomatoes", status: "found" },
      { series_id: 1438, source: "metacritic", status: "no_page" },
      { series_id: 1438, source: "rottentomatoes", status: "found" },
      { series_id: 34307, source: "metacritic", status: "not_found" },
      { series_id: 34307, source: "rottentomatoes", status: "not_found" },
      { series_id: 67070, source: "metacritic", status: "not_found" },
      { series_id: 67070, source: "rottentomatoes", status: "layout_changed" },
    ]);

    expect(result.bySite.rottentomatoes).toMatchObject({ series: 4, pagesParsed: 2, layoutChanges: 1, noPage: 1, slugsRejected: 1, observations: 4 });
    expect(result.bySite.metacritic).toMatchObject({ series: 4, pagesParsed: 1, layoutChanges: 0, noPage: 3, observations: 2 });
    expect(result.totals.layoutChanges).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString("tv_harvester_scraper_layout_changes_total")).toContain('{site="rottentomatoes"} 1');
    expect(await metrics.registry.getSingleMetricAsString("tv_harvester_scraper_strategy_total")).toContain(
      '{site="rottentomatoes",strategy="json-ld"} 2',
    );
    // Only Breaking Bad had a Wikidata id to ask for.
    expect(servers.wikidata?.requests.map((r) => r.key)).toEqual(["/w/api.php?action=wbgetentities&format=json&ids=Q1079&props=claims"]);
  });

  it("second run: cached pages are reused, a page that stops answering is resolved again, recent no-page results are not retried", async () => {
    const wikidataBefore = servers.wikidata?.count() ?? 0;
    const slugRequestsBefore = servers.rottentomatoes?.count("/tv/shameless") ?? 0;
    servers.rottentomatoes?.setRoute("/tv/the_wire", { status: 404, body: "<html>Not Found</html>" });
    const result = await scrapeRatingsSites(deps(new HarvesterMetrics()), targets);

    expect(servers.wikidata?.count()).toBe(wikidataBefore);
    // Shameless was not found a moment ago: not asked again within the retry window.
    expect(servers.rottentomatoes?.count("/tv/shameless")).toBe(slugRequestsBefore);
    expect(result.observations.filter((o) => o.seriesId === 1396)).toHaveLength(4);
    expect(result.observations.some((o) => o.seriesId === 1438)).toBe(false);
    const wire = await fixture.db.query(`SELECT url, method FROM rating_page WHERE series_id = 1438 AND site = 'rottentomatoes'`);
    expect(wire).toEqual([{ url: null, method: "slug" }]);
    const events = await fixture.db.query(`SELECT series_id, kind FROM scrape_event WHERE run_id = 2 ORDER BY scrape_event_id`);
    expect(events).toEqual(
      expect.arrayContaining([
        { series_id: 1438, kind: "not_found" },
        { series_id: 67070, kind: "layout_change" },
      ]),
    );
  });
  it("a run stopped while a page is in flight records no outcome for that series on that site, and its resume reads the page", async () => {
    await fixture.db.query(`INSERT INTO harvest_run (trigger) VALUES ('test')`);
    const breakingBad = targets.filter((t) => t.id === 1396);
    const page = "/tv/breaking_bad";
    const answer = buildSiteRoutes(catalogue).rottentomatoes.get(page);
    if (answer === undefined || Array.isArray(answer)) throw new Error(`no replay of ${page}`);
    // Rotten Tomatoes holds the page; the run stops once Metacritic's is read.
    servers.rottentomatoes?.setRoute(page, { ...answer, delayMs: 5_000 });
    const stop = new AbortController();
    const stopped = { ...deps(new HarvesterMetrics()), signal: stop.signal, onSeriesDone: (s: string) => s === "metacritic" && stop.abort() };
    for (const client of Object.values(stopped.clients)) client.abortOn?.(stop.signal);
    try {
      const result = await scrapeRatingsSites(stopped, breakingBad);
      expect(result.observations.map((o) => o.source).sort()).toEqual(["metacritic_critics", "metacritic_users"]);
    } finally {
      servers.rottentomatoes?.setRoute(page, answer);
    }
    const outcomes = () =>
      fixture.db.query(`SELECT source, status FROM enrichment_outcome WHERE run_id = $1 AND series_id = 1396 ORDER BY source`, [stopped.runId]);
    // Not an `error` of the site's (which would hold the series back until it is due again): nothing at all.
    expect(await outcomes()).toEqual([{ source: "metacritic", status: "found" }]);

    const resumed = {
      ...siteStageDeps(servers, { prisma: fixture.prisma, runId: stopped.runId, metrics: new HarvesterMetrics(), now: () => new Date() }),
    };
    const again = await scrapeRatingsSites(resumed, breakingBad);
    expect(again.observations.filter((o) => o.source.startsWith("rotten_tomatoes")).length).toBe(2);
    expect(await outcomes()).toEqual([
      { source: "metacritic", status: "found" },
      { source: "rottentomatoes", status: "found" },
    ]);
  });
});
