/**
 * The ratings-sites step's work: Rotten Tomatoes and Metacritic scores through the enrichers
 * (src/enrichers), after OMDb; their scores take precedence over OMDb's copies of the same rating source.
 * The enrichers (cheerio parsers, the browser fallback) are loaded only when the stage runs.
 */
import type { Config } from "../../config.js";
import type { PrismaClient } from "../../db/prisma.js";
import { insertSeasonRatingFacts } from "../../load/loader.js";
import type { ScrapeTarget } from "../../enrichers/resolve.js";
import type { PageFetchResult } from "../../enrichers/fetch-page.js";
import type { PageCache, RatingsSitesDeps } from "../../enrichers/ratings-sites.js";
import type { UpstreamClient } from "../../http/client.js";
import type { HarvesterMetrics } from "../../metrics/metrics.js";
import type { AnswerStore } from "../answer-store.js";
import type { RatingsSitesSummary } from "../run-state.js";
import type { FactWriter, QuarantineSink, StageBase } from "./deps.js";
import { validRatings } from "./ratings.js";

/** Dependencies of {@link enrichFromRatingsSites}. */
export interface RatingsSitesStepDeps extends StageBase {
  prisma: PrismaClient;
  runId: number;
  clients: { wikidata: UpstreamClient; rottentomatoes: UpstreamClient; metacritic: UpstreamClient };
  answers: AnswerStore;
  /** Where a scraped observation failing the rating rules goes (one observation, not the run). */
  quarantine: QuarantineSink;
  facts: FactWriter;
  metrics: HarvesterMetrics;
  now: () => Date;
  config: Config["scrape"];
  /** The browser fallback; omitted: the enrichers' default (Chromium when found). Tests inject their own. */
  browser?: RatingsSitesDeps["browser"];
}

/** Input: the series to scrape (those due on a site; every loaded one in a full run). */
export interface RatingsSitesStepInput {
  series: readonly ScrapeTarget[];
}

/** The page results of a scrape, kept in the run's answer store (upstream = site, key = `page:<path>`). */
export function answerStorePageCache(answers: AnswerStore): PageCache {
  return {
    get(site, path) {
      const kept = answers.get(site, `page:${path}`);
      return kept && isPageFetchResult(kept.payload) ? kept.payload : undefined;
    },
    async put(site, path, result) {
      await answers.put(site, `page:${path}`, "status" in result ? result.status : 0, result);
    },
  };
}

/** Narrows a kept payload to a page result (it was written by {@link answerStorePageCache}). */
function isPageFetchResult(value: unknown): value is PageFetchResult {
  if (value === null || typeof value !== "object" || !("kind" in value) || !("url" in value)) return false;
  return value.kind === "page" ? "parse" in value && typeof value.parse === "object" : ["gone", "blocked", "disallowed"].includes(String(value.kind));
}

/**
 * Scrapes the sites for `series` and writes their facts, which take precedence over OMDb's copies of the same scores
 * (written by the OMDb step). Returns the step's summary.
 * @throws only on database errors (upstream failures are counted per series)
 */
export async function enrichFromRatingsSites(deps: RatingsSitesStepDeps, input: RatingsSitesStepInput): Promise<RatingsSitesSummary> {
  const { scrapeRatingsSites } = await import("../../enrichers/ratings-sites.js");
  // The enrichments bar restarts for the sites: one step per series and site.
  deps.progress.start("enrichments", input.series.length * 2);
  const result = await scrapeRatingsSites(
    {
      prisma: deps.prisma,
      runId: deps.runId,
      clients: deps.clients,
      config: deps.config,
      metrics: deps.metrics,
      logger: deps.logger,
      now: deps.now,
      pageCache: answerStorePageCache(deps.answers),
      onSeriesDone: () => deps.progress.tick("enrichments"),
      ...(deps.browser !== undefined ? { browser: deps.browser } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
    input.series.map((s) => ({
      id: s.id,
      title: s.title,
      originalTitle: s.originalTitle,
      firstAirDate: s.firstAirDate,
      wikidataId: s.wikidataId,
      seasons: s.seasons,
    })),
  );
  const { observations, seasonObservations, ...rest } = result;
  // The star schema's grain is the series: a season page's score (an override can point at one) is not a
  // score of the series, so it is not loaded.
  const seriesGrain = observations.filter((o) => o.grain === "series");
  if (seriesGrain.length < observations.length) {
    deps.logger.warn({ skipped: observations.length - seriesGrain.length }, "season-grain scores are not loaded as series scores");
  }
  // Scraped scores pass the same rules as TMDB's and OMDb's (scale, counts, column types): a misread score
  // is quarantined alone instead of failing the post-load range expectation. (Not flagged: a page showing a
  // score without its count is common and already visible in the scrape counts.)
  const checked = seriesGrain.flatMap((o) =>
    validRatings(
      deps.quarantine,
      [o],
      { endpoint: o.source.startsWith("rotten_tomatoes") ? "rottentomatoes" : "metacritic", upstreamKey: `tv/${o.seriesId}#${o.source}`, payload: o },
      { flag: false },
    ),
  );
  await deps.facts.overwrite(checked);
  // Season pages' scores go to the season grain only (season_rating_fact, analytics.season_rating_history).
  await insertSeasonRatingFacts(deps.prisma, deps.runId, seasonObservations);
  await deps.quarantine.flush();
  return { ...rest, status: "done" };
}
