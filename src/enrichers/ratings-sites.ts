/**
 * The ratings-sites step's scraping (after OMDb): for each series and site, find the page (override → cached →
 * Wikidata → verified slug), fetch it politely, parse it, and return the scores as rating observations; then fetch the
 * season pages it links and return their scores as season-grain observations, apart. Writes `rating_page`,
 * `scrape_event` and the outcome per series; the caller writes the observations as facts.
 *
 * One site's work is src/enrichers/site-scraper.ts (page resolution) and src/enrichers/season-pages.ts; the counts are
 * src/enrichers/site-counts.ts. A page that exists but that no strategy understands is a layout change: a
 * `scrape_event`, a metric, and no observation, so the series keeps its last known scores.
 */
import type { Quarantine } from "../load/quarantine.js";
import type { Logger } from "pino";
import { forEachBounded } from "../concurrency.js";
import type { Config } from "../config.js";
import type { PrismaClient } from "../db/prisma.js";
import type { RatingObservation, SeasonRatingObservation } from "../domain.js";
import { RequestAbortedError, SchemaMismatchError, errorMessage } from "../errors.js";
import type { UpstreamClient } from "../http/client.js";
import { readKnownPages, type KnownPages } from "../load/rating-pages.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import { type PageRenderer, createBrowserRenderer, findChromium } from "./browser.js";
import type { ScrapeTarget } from "./resolve.js";
import { createRobotsGate } from "./robots.js";
import { totalCounts, type SiteScrapeCounts } from "./site-counts.js";
import { SITE_PROFILES } from "./site-profiles.js";
import { SiteScraper, type PageCache } from "./site-scraper.js";
import { RATING_SITES, type RatingSite } from "./types.js";
import { type WikidataPageIds, fetchWikidataPageIds } from "./wikidata.js";

export type { ScrapeTarget } from "./resolve.js";
export type { SiteScrapeCounts } from "./site-counts.js";
export { NO_PAGE_RETRY_DAYS, toObservations, type PageCache } from "./site-scraper.js";

/** Series handled at once per site; the site's limiter still spaces the requests. */
const CONCURRENCY_PER_SITE = 4;

/** Dependencies of {@link scrapeRatingsSites}. */
export interface RatingsSitesDeps {
  prisma: PrismaClient;
  /** The harvest run the `scrape_event` rows and outcomes belong to. */
  runId: number;
  /** The per-site clients (rate limit `SCRAPE_REQUESTS_PER_SECOND`, our User-Agent). */
  clients: { wikidata: UpstreamClient; rottentomatoes: UpstreamClient; metacritic: UpstreamClient };
  config: Config["scrape"];
  metrics: HarvesterMetrics;
  logger: Logger;
  now: () => Date;
  /**
   * The browser fallback. Omitted: Chromium from the configuration (or the system's), launched on first
   * use and closed at the end; null: no fallback. Tests inject their own.
   */
  browser?: PageRenderer | null;
  /** Limit to these sites (default both). */
  sites?: readonly RatingSite[];
  /**
   * Page results of an earlier attempt of the same run (`harvest --resume`): a page found here is not
   * fetched again, and every fetched page is put here. Results are stored without their HTML.
   */
  pageCache?: PageCache;
  /** Called after each series on each site (progress reporting). */
  onSeriesDone?: (site: RatingSite) => void;
  /** Once aborted, no new series is started; the series in flight finish. */
  signal?: AbortSignal;
  /** Where pages whose strategies disagree are flagged (src/enrichers/disagreements.ts); absent: counted only. */
  quarantine?: Pick<Quarantine, "flag">;
}

/** Result: the series-grain and the season-grain observations to load, and counts per site and in total. */
export interface RatingsSitesResult {
  observations: RatingObservation[];
  /** Scores of season pages, for `season_rating_fact` (never series-grain facts). */
  seasonObservations: SeasonRatingObservation[];
  totals: Omit<SiteScrapeCounts, "strategies">;
  bySite: Record<RatingSite, SiteScrapeCounts>;
  /** Wikidata items asked for and batches that failed. */
  wikidata: { items: number; failedBatches: number };
}

/**
 * Scrapes `series` on both sites (in parallel; each site at its own rate).
 * @throws only on database errors; upstream failures are recorded per series and the step goes on.
 */
export async function scrapeRatingsSites(deps: RatingsSitesDeps, series: readonly ScrapeTarget[]): Promise<RatingsSitesResult> {
  const sites = deps.sites ?? RATING_SITES;
  const renderer = deps.browser !== undefined ? deps.browser : ownBrowser(deps);
  const ids = series.map((s) => s.id);
  const known = new Map(await Promise.all(sites.map(async (site) => [site, await readKnownPages(deps.prisma, site, ids, deps.runId)] as const)));
  // Wikidata only for series that will need resolution on some site.
  const needWikidata = series.filter((s) => s.wikidataId !== null && sites.some((site) => needsResolution(known.get(site), s.id)));
  const wikidata = await wikidataPageIds(deps, needWikidata);
  const scrapers = sites.map(
    (site) =>
      new SiteScraper({
        ...deps,
        site,
        profile: SITE_PROFILES[site],
        client: deps.clients[site],
        robots: createRobotsGate(deps.clients[site], deps.config.userAgent, deps.logger),
        renderer,
        pages: known.get(site) ?? { overrides: new Map(), cached: new Map() },
        wikidataIds: wikidata.ids,
      }),
  );
  try {
    await Promise.all(scrapers.map((scraper) => scrapeSite(deps, scraper, series)));
  } finally {
    if (deps.browser === undefined)
      await renderer?.close().catch((error: unknown) => deps.logger.warn({ err: errorMessage(error) }, "closing the browser failed"));
  }
  const bySite = { rottentomatoes: countsOf(scrapers, "rottentomatoes"), metacritic: countsOf(scrapers, "metacritic") };
  return {
    observations: scrapers.flatMap((s) => s.observations),
    seasonObservations: scrapers.flatMap((s) => s.seasonObservations),
    totals: totalCounts(scrapers.map((s) => s.counts)),
    bySite,
    wikidata: { items: new Set(needWikidata.map((s) => s.wikidataId)).size, failedBatches: wikidata.failedBatches },
  };
}

/** Handles `series` on one site, a few at a time. */
async function scrapeSite(deps: RatingsSitesDeps, scraper: SiteScraper, series: readonly ScrapeTarget[]): Promise<void> {
  await forEachBounded(
    series,
    CONCURRENCY_PER_SITE,
    async (target) => {
      try {
        await scraper.scrapeSeries(target);
      } catch (error) {
        // The run is stopping: this series' outcome stays unrecorded, so that a resume scrapes it again.
        if (!(error instanceof RequestAbortedError)) throw error;
      } finally {
        deps.onSeriesDone?.(scraper.deps.site);
      }
    },
    deps.signal,
  );
}

/** A series needs its page resolved on a site unless an override or a cached page gives it. */
function needsResolution(known: KnownPages | undefined, seriesId: number): boolean {
  return !known?.overrides.has(seriesId) && !known?.cached.get(seriesId)?.url;
}

/** The counts of `site` (zero when it was not scraped). */
function countsOf(scrapers: readonly SiteScraper[], site: RatingSite): SiteScrapeCounts {
  return scrapers.find((s) => s.deps.site === site)?.counts ?? totalCountsWithStrategies();
}

function totalCountsWithStrategies(): SiteScrapeCounts {
  return { ...totalCounts([]), strategies: {} };
}

/** The browser fallback of the configuration (Chromium launched on first use), or none when no Chromium is found. */
function ownBrowser(deps: RatingsSitesDeps): PageRenderer | null {
  const executablePath = findChromium(deps.config.chromiumExecutablePath);
  if (executablePath === null) {
    deps.logger.warn(
      { path: deps.config.chromiumExecutablePath ?? "/usr/bin/chromium" },
      "no Chromium found: the browser fallback is off for this run",
    );
    return null;
  }
  return createBrowserRenderer({
    executablePath,
    userAgent: deps.config.userAgent,
    requestsPerSecond: deps.config.requestsPerSecond,
    logger: deps.logger,
  });
}

/** Wikidata's page ids of the series' items (a failed batch falls back to verified slugs), and the batches that failed. */
async function wikidataPageIds(
  deps: RatingsSitesDeps,
  series: readonly ScrapeTarget[],
): Promise<{ ids: Map<string, WikidataPageIds>; failedBatches: number }> {
  let failedBatches = 0;
  if (series.length === 0) return { ids: new Map(), failedBatches };
  const ids = await fetchWikidataPageIds(
    deps.clients.wikidata,
    series.map((s) => s.wikidataId ?? ""),
    (error, items) => {
      failedBatches += 1;
      if (error instanceof SchemaMismatchError) deps.metrics.schemaDrift.inc({ source: "wikidata" });
      deps.logger.warn({ err: errorMessage(error), items: items.length }, "Wikidata batch failed; those series fall back to verified slugs");
    },
  );
  return { ids, failedBatches };
}
