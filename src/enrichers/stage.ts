/**
 * The ratings-site stage of a harvest run (after OMDb): for each series and site, find the page
 * (override → cached → Wikidata → verified slug), fetch it politely, parse it, and return the scores as
 * rating observations; then fetch the season pages it links (at most `SCRAPE_SEASON_PAGES_PER_SERIES`: season 1
 * and the latest aired, src/enrichers/seasons.ts) and return their scores as season-grain observations, apart.
 * Writes `rating_page`, `scrape_event` and `enrichment_state`; the caller writes the observations as facts.
 *
 * A page that exists but that no strategy understands is a layout change: a `scrape_event`, a metric, and
 * no observation, so the series keeps its last known scores.
 */
import type { Logger } from "pino";
import { forEachBounded } from "../concurrency.js";
import type { Config } from "../config.js";
import { recordEnrichmentOutcomes } from "../load/enrichment-state.js";
import type { PrismaClient } from "../db/prisma.js";
import type { RatingObservation, SeasonRatingObservation } from "../domain.js";
import { SchemaMismatchError, errorMessage } from "../errors.js";
import type { UpstreamClient } from "../http/client.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import { type PageRenderer, createBrowserRenderer, findChromium } from "./browser.js";
import { type PageFetchResult, fetchRatingsPage } from "./fetch-page.js";
import { loadKnownPages, upsertRatingPage } from "../load/rating-pages.js";
import { insertScrapeEvent } from "../load/scrape-events.js";
import { type ScrapeTarget, confirmsSeries, pagePath, slugCandidates } from "./resolve.js";
import { createRobotsGate } from "./robots.js";
import { chooseSeasonPages, toSeasonObservations } from "./seasons.js";
import { SITE_PROFILES, type SiteProfile } from "./site-profiles.js";
import { type PageParse, RATING_SITES, type RatingSite } from "./types.js";
import { type WikidataPageIds, fetchWikidataPageIds } from "./wikidata.js";

export type { ScrapeTarget } from "./resolve.js";

/** A series whose last resolution found no page is asked again after this many days (not every run). */
export const NO_PAGE_RETRY_DAYS = 7;

/** Series handled at once per site; the site's limiter still spaces the requests. */
const CONCURRENCY_PER_SITE = 4;

/** Dependencies of {@link runScrapeStage}. */
export interface ScrapeStageDeps {
  prisma: PrismaClient;
  /** The harvest run the `scrape_event` rows belong to. */
  runId: number;
  /** The per-site clients (rate limit `SCRAPE_REQUESTS_PER_SECOND`, our User-Agent). */
  clients: { wikidata: UpstreamClient; rottentomatoes: UpstreamClient; metacritic: UpstreamClient };
  config: Config["scrape"];
  metrics: HarvesterMetrics;
  logger: Logger;
  now: () => Date;
  /**
   * The browser fallback. Omitted: Chromium from the configuration (or the system's), launched on first
   * use and closed at the end of the stage; null: no fallback. Tests inject their own.
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
}

/** Where page results of a run are kept between attempts (the pipeline's answer store). */
export interface PageCache {
  get(site: RatingSite, path: string): PageFetchResult | undefined;
  put(site: RatingSite, path: string, result: PageFetchResult): Promise<void>;
}

/** Counts of one site, for the run summary. */
export interface SiteScrapeCounts {
  /** Series handled. */
  series: number;
  /** Page requests sent (static HTTP; robots.txt not counted). */
  pagesFetched: number;
  /** Pages on which a strategy matched. */
  pagesParsed: number;
  /** Existing pages on which no strategy matched. */
  layoutChanges: number;
  /** Pages fetched with the browser. */
  browserFallbacks: number;
  /** Series with no page on the site (override "no page", not found, or gone). */
  noPage: number;
  /** Slug pages rejected because they are another show's (title or year differ). */
  slugsRejected: number;
  /** Pages blocked (403/202 not passed) or disallowed by robots.txt. */
  blocked: number;
  /** Fetch failures (network, 5xx after retries, repeated 429, browser failure). */
  errors: number;
  /** Observations produced (scores read). */
  observations: number;
  /** Season pages asked for (fetched, or kept from an earlier attempt of the run); their requests are in `pagesFetched`. */
  seasonPages: number;
  /** Season pages on which a strategy matched. */
  seasonPagesParsed: number;
  /** Season pages refused: not a season page (a redirect to the series page), or another season's. */
  seasonPagesRejected: number;
  /** Season-grain observations produced. */
  seasonObservations: number;
  /** Parsed pages per matched strategy. */
  strategies: Record<string, number>;
}

/** Result of the stage: the series-grain and the season-grain observations to load, and counts per site and in total. */
export interface ScrapeStageResult {
  observations: RatingObservation[];
  /** Scores of season pages, for `season_rating_fact` (never series-grain facts). */
  seasonObservations: SeasonRatingObservation[];
  totals: Omit<SiteScrapeCounts, "strategies">;
  bySite: Record<RatingSite, SiteScrapeCounts>;
  /** Wikidata items asked for and batches that failed. */
  wikidata: { items: number; failedBatches: number };
}

function emptyCounts(): SiteScrapeCounts {
  return {
    series: 0,
    pagesFetched: 0,
    pagesParsed: 0,
    layoutChanges: 0,
    browserFallbacks: 0,
    noPage: 0,
    slugsRejected: 0,
    blocked: 0,
    errors: 0,
    observations: 0,
    seasonPages: 0,
    seasonPagesParsed: 0,
    seasonPagesRejected: 0,
    seasonObservations: 0,
    strategies: {},
  };
}

/** Maps a parsed page's readings to observations (scores that are null, e.g. "tbd", give none; a movie page gives none). */
export function toObservations(seriesId: number, profile: SiteProfile, parse: PageParse): RatingObservation[] {
  // A film's page (a wrong override or Wikidata link) never yields a series' score.
  if (parse.grain === "movie") return [];
  const out: RatingObservation[] = [];
  for (const [reading, source] of [
    [parse.critics, profile.sources.critics],
    [parse.audience, profile.sources.audience],
  ] as const) {
    if (reading.score === null || reading.strategy === null) continue;
    out.push({
      seriesId,
      source,
      score: reading.score,
      voteCount: reading.count,
      voteCountIsLowerBound: reading.countIsLowerBound,
      grain: parse.grain,
      method: reading.strategy,
    });
  }
  return out;
}

/**
 * Runs the stage for `series` on both sites (in parallel; each site at its own rate).
 * @throws only on database errors; upstream failures are recorded per series and the stage goes on.
 */
export async function runScrapeStage(deps: ScrapeStageDeps, series: readonly ScrapeTarget[]): Promise<ScrapeStageResult> {
  const { prisma, logger, metrics } = deps;
  const sites = deps.sites ?? RATING_SITES;
  const ownsBrowser = deps.browser === undefined;
  let renderer: PageRenderer | null;
  if (deps.browser !== undefined) {
    renderer = deps.browser;
  } else {
    const executablePath = findChromium(deps.config.chromiumExecutablePath);
    if (executablePath === null)
      logger.warn({ path: deps.config.chromiumExecutablePath ?? "/usr/bin/chromium" }, "no Chromium found: the browser fallback is off for this run");
    renderer =
      executablePath === null
        ? null
        : createBrowserRenderer({ executablePath, userAgent: deps.config.userAgent, requestsPerSecond: deps.config.requestsPerSecond, logger });
  }

  const known = new Map(
    await Promise.all(
      sites.map(
        async (site) =>
          [
            site,
            await loadKnownPages(
              prisma,
              site,
              series.map((s) => s.id),
              deps.runId,
            ),
          ] as const,
      ),
    ),
  );
  const now = deps.now();
  const retryBefore = now.getTime() - NO_PAGE_RETRY_DAYS * 86_400_000;

  // Wikidata only for series that will need resolution on some site.
  const needWikidata = series.filter(
    (s) =>
      s.wikidataId !== null &&
      sites.some((site) => {
        const k = known.get(site);
        return !k?.overrides.has(s.id) && !k?.cached.get(s.id)?.url;
      }),
  );
  let failedBatches = 0;
  const wikidataIds: Map<string, WikidataPageIds> =
    needWikidata.length === 0
      ? new Map()
      : await fetchWikidataPageIds(
          deps.clients.wikidata,
          needWikidata.map((s) => s.wikidataId ?? ""),
          (error, ids) => {
            failedBatches += 1;
            if (error instanceof SchemaMismatchError) metrics.schemaDrift.inc({ source: "wikidata" });
            logger.warn({ err: errorMessage(error), items: ids.length }, "Wikidata batch failed; those series fall back to verified slugs");
          },
        );

  const observations: RatingObservation[] = [];
  const seasonObservations: SeasonRatingObservation[] = [];
  const today = now.toISOString().slice(0, 10);
  const bySite = { rottentomatoes: emptyCounts(), metacritic: emptyCounts() } satisfies Record<RatingSite, SiteScrapeCounts>;

  try {
    await Promise.all(
      sites.map(async (site) => {
        const profile = SITE_PROFILES[site];
        const client = deps.clients[site];
        const counts = bySite[site];
        const pages = known.get(site) ?? { overrides: new Map(), cached: new Map() };
        const robots = createRobotsGate(client, deps.config.userAgent, logger);
        const baseUrl = profile.baseUrl(deps.config).replace(/\/+$/, "");

        const scrapeEvent = (seriesId: number | null, kind: string, url: string | null, detail: string | null, strategy: string | null = null) =>
          insertScrapeEvent(prisma, { runId: deps.runId, site, seriesId, kind, url, detail, strategy, occurredAt: deps.now() });
        const setState = async (seriesId: number, status: string, detail: string | null) => {
          await recordEnrichmentOutcomes(prisma, site, [{ seriesId, status, detail, success: status === "found" }], deps.now(), deps.runId);
        };
        const outcome = (name: string) => metrics.scraperPages.inc({ site, outcome: name });

        async function fetchPage(seriesId: number, path: string): Promise<PageFetchResult> {
          const cached = deps.pageCache?.get(site, path);
          if (cached) return cached;
          const result = await fetchRatingsPage(
            {
              client,
              robots,
              profile,
              renderer,
              metrics,
              logger,
              onBrowserFallback: async (url, reason) => {
                counts.browserFallbacks += 1;
                await scrapeEvent(seriesId, "browser_fallback", url, reason);
              },
            },
            path,
          );
          if (result.kind !== "disallowed") counts.pagesFetched += 1;
          // Transport errors are not kept: a resumed run should try those pages again.
          if (result.kind !== "error") await deps.pageCache?.put(site, path, result.kind === "page" ? { ...result, html: "" } : result);
          return result;
        }

        /** Handles a page known to be this series': scores, or a layout change. */
        async function handleOwnPage(
          target: ScrapeTarget,
          result: Extract<PageFetchResult, { kind: "page" }>,
          method: "wikidata" | "slug" | "override",
        ): Promise<void> {
          await upsertRatingPage(prisma, {
            seriesId: target.id,
            site,
            url: `${baseUrl}${pagePath(profile, result.url)}`,
            method,
            confirmedAt: deps.now(),
          });
          const { parse } = result;
          if (!parse.hasScores) {
            counts.layoutChanges += 1;
            metrics.scraperLayoutChanges.inc({ site });
            outcome("layout_change");
            logger.warn(
              { site, seriesId: target.id, url: result.url, via: result.via },
              "no parsing strategy matched an existing page: layout change",
            );
            await scrapeEvent(target.id, "layout_change", result.url, `HTTP ${result.status} via ${result.via}; no parsing strategy matched`);
            await setState(target.id, "layout_changed", `no strategy matched ${result.url}`);
            return;
          }
          const strategy = parse.strategy ?? "unknown";
          counts.pagesParsed += 1;
          counts.strategies[strategy] = (counts.strategies[strategy] ?? 0) + 1;
          metrics.scraperStrategy.inc({ site, strategy });
          outcome("parsed");
          const found = toObservations(target.id, profile, parse);
          observations.push(...found);
          counts.observations += found.length;
          await setState(target.id, "found", found.length === 0 ? "page found; no score yet (tbd)" : `${found.length} score(s) via ${strategy}`);
          if (parse.grain === "series") await scrapeSeasons(target, result);
        }

        /**
         * Fetches the chosen season pages a series page links, one after the other (the site's limiter spaces
         * them). A season page's trouble is logged and counted; it changes neither the series' enrichment state
         * nor its page.
         */
        async function scrapeSeasons(target: ScrapeTarget, seriesPage: Extract<PageFetchResult, { kind: "page" }>): Promise<void> {
          for (const link of chooseSeasonPages(seriesPage.seasonLinks ?? [], deps.config.seasonPagesPerSeries, today, target.seasons)) {
            if (deps.signal?.aborted) return;
            counts.seasonPages += 1;
            const result = await fetchPage(target.id, link.path);
            if (result.kind !== "page") {
              if (result.kind === "error") counts.errors += 1;
              if (result.kind === "blocked" || result.kind === "disallowed") counts.blocked += 1;
              outcome(result.kind === "gone" ? "no_page" : result.kind);
              if (result.kind === "blocked") await scrapeEvent(target.id, "blocked", result.url, result.detail);
              logger.info({ site, seriesId: target.id, season: link.seasonNumber, url: result.url, kind: result.kind }, "season page not read");
              continue;
            }
            const { parse } = result;
            const otherSeason = result.seasonNumber !== undefined && result.seasonNumber !== null && result.seasonNumber !== link.seasonNumber;
            if (parse.grain !== "season" || otherSeason) {
              counts.seasonPagesRejected += 1;
              outcome("rejected");
              logger.info(
                { site, seriesId: target.id, season: link.seasonNumber, url: result.url, grain: parse.grain, pageSeason: result.seasonNumber },
                "season link led to another page; not read",
              );
              continue;
            }
            if (!parse.hasScores) {
              counts.layoutChanges += 1;
              metrics.scraperLayoutChanges.inc({ site });
              outcome("layout_change");
              await scrapeEvent(
                target.id,
                "layout_change",
                result.url,
                `season ${link.seasonNumber} page, HTTP ${result.status} via ${result.via}; no parsing strategy matched`,
              );
              continue;
            }
            const strategy = parse.strategy ?? "unknown";
            counts.seasonPagesParsed += 1;
            counts.strategies[strategy] = (counts.strategies[strategy] ?? 0) + 1;
            metrics.scraperStrategy.inc({ site, strategy });
            outcome("parsed");
            const { observations: found, rejected } = toSeasonObservations(target.id, link.seasonNumber, profile, parse);
            if (rejected > 0)
              logger.warn(
                { site, seriesId: target.id, season: link.seasonNumber, url: result.url, rejected },
                "season scores outside their scale; not loaded",
              );
            seasonObservations.push(...found);
            counts.seasonObservations += found.length;
          }
        }

        /** Handles a result that is neither a page nor a 404: blocked, disallowed, error. Returns true if handled. */
        async function handleFailure(target: ScrapeTarget, result: PageFetchResult): Promise<boolean> {
          if (result.kind === "blocked") {
            counts.blocked += 1;
            outcome("blocked");
            await scrapeEvent(target.id, "blocked", result.url, result.detail);
            await setState(target.id, "error", `blocked: ${result.detail}`);
            return true;
          }
          if (result.kind === "disallowed") {
            counts.blocked += 1;
            outcome("disallowed");
            await setState(target.id, "error", `robots.txt disallows ${result.url}`);
            return true;
          }
          if (result.kind === "error") {
            counts.errors += 1;
            outcome("error");
            logger.warn({ site, seriesId: target.id, url: result.url, err: result.detail }, "ratings page fetch failed");
            await setState(target.id, "error", result.detail);
            return true;
          }
          return false;
        }

        async function noPage(
          target: ScrapeTarget,
          status: "no_page" | "not_found",
          detail: string,
          record: { method: "slug" | "override" } | null,
        ): Promise<void> {
          counts.noPage += 1;
          outcome("no_page");
          if (record) await upsertRatingPage(prisma, { seriesId: target.id, site, url: null, method: record.method, confirmedAt: deps.now() });
          await setState(target.id, status, detail);
        }

        async function scrapeSeries(target: ScrapeTarget): Promise<void> {
          counts.series += 1;
          // 1. Manual override.
          const override = pages.overrides.get(target.id);
          if (override) {
            if (override.url === null) return noPage(target, "no_page", "override: no page on this site", { method: "override" });
            const result = await fetchPage(target.id, pagePath(profile, override.url));
            if (result.kind === "page") return handleOwnPage(target, result, "override");
            if (result.kind === "gone") {
              await scrapeEvent(target.id, "not_found", result.url, `override URL answered HTTP ${result.status}`);
              return noPage(target, "not_found", `override URL answered HTTP ${result.status}`, null);
            }
            await handleFailure(target, result);
            return;
          }
          // 2. Cached page: kept until it stops answering.
          const cached = pages.cached.get(target.id);
          if (cached?.url) {
            const result = await fetchPage(target.id, pagePath(profile, cached.url));
            if (result.kind === "page")
              return handleOwnPage(target, result, cached.method === "wikidata" || cached.method === "override" ? cached.method : "slug");
            if (result.kind !== "gone") {
              await handleFailure(target, result);
              return;
            }
            await scrapeEvent(target.id, "not_found", result.url, `known page answered HTTP ${result.status}; resolving again`);
          } else if (cached && cached.url === null && cached.lastConfirmedAt.getTime() > retryBefore) {
            return noPage(
              target,
              "not_found",
              `no page found on ${cached.lastConfirmedAt.toISOString().slice(0, 10)}; next try after ${NO_PAGE_RETRY_DAYS} days`,
              null,
            );
          }
          // 3. Wikidata.
          const wikidataPage = target.wikidataId ? wikidataIds.get(target.wikidataId)?.[site] : null;
          if (wikidataPage) {
            const result = await fetchPage(target.id, pagePath(profile, wikidataPage));
            if (result.kind === "page") return handleOwnPage(target, result, "wikidata");
            if (await handleFailure(target, result)) return;
            logger.info({ site, seriesId: target.id, url: result.url }, "Wikidata's page does not exist; trying slugs");
          }
          // 4. Slugs, accepted only when the page confirms the series.
          for (const pageId of slugCandidates(target, profile.slugSeparator)) {
            const result = await fetchPage(target.id, pagePath(profile, pageId));
            if (result.kind === "gone") continue;
            if (result.kind === "page") {
              if (confirmsSeries(result.parse, target)) return handleOwnPage(target, result, "slug");
              counts.slugsRejected += 1;
              logger.info(
                { site, seriesId: target.id, url: result.url, pageTitle: result.parse.title, pageYear: result.parse.firstYear },
                "slug page is another show's (title or year differ); rejected",
              );
              continue;
            }
            await handleFailure(target, result);
            return;
          }
          return noPage(target, "not_found", "no Wikidata id and no slug page confirmed the series", { method: "slug" });
        }

        await forEachBounded(
          series,
          CONCURRENCY_PER_SITE,
          async (target) => {
            try {
              await scrapeSeries(target);
            } finally {
              deps.onSeriesDone?.(site);
            }
          },
          deps.signal,
        );
      }),
    );
  } finally {
    if (ownsBrowser) await renderer?.close().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, "closing the browser failed"));
  }

  const totals = emptyCounts();
  for (const site of sites) {
    const c = bySite[site];
    for (const key of [
      "series",
      "pagesFetched",
      "pagesParsed",
      "layoutChanges",
      "browserFallbacks",
      "noPage",
      "slugsRejected",
      "blocked",
      "errors",
      "observations",
      "seasonPages",
      "seasonPagesParsed",
      "seasonPagesRejected",
      "seasonObservations",
    ] as const)
      totals[key] += c[key];
  }
  const { strategies: _ignored, ...totalCounts } = totals;
  return {
    observations,
    seasonObservations,
    totals: totalCounts,
    bySite,
    wikidata: { items: new Set(needWikidata.map((s) => s.wikidataId)).size, failedBatches },
  };
}
