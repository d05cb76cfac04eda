/**
 * The ratings-site stage of a harvest run: Rotten Tomatoes and Metacritic scores through the enrichers
 * (src/enrichers), after OMDb. Returns observations for the pipeline to write as facts.
 */
import type { App } from "../app.js";
import type { RatingObservation, SeriesRecord } from "../domain.js";
import { runScrapeStage, type PageCache, type ScrapeStageResult } from "../enrichers/stage.js";
import type { PageFetchResult } from "../enrichers/fetch-page.js";
import type { Logger } from "../logger.js";
import type { ProgressReporter } from "./progress.js";
import type { StagingStore } from "./staging.js";

/** Result of the stage: observations to load and the summary for the run. */
export interface EnrichmentStageResult {
  observations: RatingObservation[];
  summary: (Omit<ScrapeStageResult, "observations"> & { status: "done" }) | { status: "disabled" };
}

/** The page results of a scrape, kept in the run's staging store (upstream = site, key = `page:<path>`). */
function stagedPageCache(staging: StagingStore): PageCache {
  return {
    get(site, path) {
      const staged = staging.get(site, `page:${path}`);
      return staged && isPageFetchResult(staged.payload) ? staged.payload : undefined;
    },
    async put(site, path, result) {
      await staging.put(site, `page:${path}`, "status" in result ? result.status : 0, result);
    },
  };
}

/** Narrows a staged payload to a page result (it was written by {@link stagedPageCache}). */
function isPageFetchResult(value: unknown): value is PageFetchResult {
  if (value === null || typeof value !== "object" || !("kind" in value) || !("url" in value)) return false;
  return value.kind === "page" ? "parse" in value && typeof value.parse === "object" : ["gone", "blocked", "disallowed"].includes(String(value.kind));
}

/** Runs the Rotten Tomatoes and Metacritic enrichment for the series loaded in this run. */
export async function runEnrichmentStages(
  app: App,
  input: { runId: number; staging: StagingStore; series: readonly SeriesRecord[]; enabled: boolean; progress: ProgressReporter; logger: Logger },
): Promise<EnrichmentStageResult> {
  if (!input.enabled) return { observations: [], summary: { status: "disabled" } };
  // The enrichments bar restarts for the sites: one step per series and site.
  input.progress.start("enrichments", input.series.length * 2);
  const result = await runScrapeStage(
    {
      prisma: app.prisma,
      runId: input.runId,
      clients: { wikidata: app.clients.wikidata, rottentomatoes: app.clients.rottentomatoes, metacritic: app.clients.metacritic },
      config: app.config.scrape,
      metrics: app.metrics,
      logger: input.logger,
      now: app.now,
      pageCache: stagedPageCache(input.staging),
      onSeriesDone: () => input.progress.tick("enrichments"),
    },
    input.series.map((s) => ({ id: s.id, title: s.title, originalTitle: s.originalTitle, firstAirDate: s.firstAirDate, wikidataId: s.wikidataId })),
  );
  const { observations, ...rest } = result;
  // The star schema's grain is the series: a season page's score (an override can point at one) is not a
  // score of the series, so it is not loaded.
  const seriesGrain = observations.filter((o) => o.grain === "series");
  if (seriesGrain.length < observations.length) {
    input.logger.warn({ skipped: observations.length - seriesGrain.length }, "season-grain scores are not loaded as series scores");
  }
  return { observations: seriesGrain, summary: { ...rest, status: "done" } };
}
