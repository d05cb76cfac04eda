/**
 * Step `listing`: TMDB's genres (`genre_dim`), the series of `/tv/top_rated`, the change list (`/tv/changes`), and from
 * them, the stored due times and the published versions, the run's plan (src/pipeline/plan.ts), kept on the run row.
 */
import type { RatingObservation } from "../../domain.js";
import { findCatalogueSeriesIds, readDueTimes } from "../../load/catalogue.js";
import { seriesWithPublishedVersion } from "../../load/series-carry-forward.js";
import { REFRESH_SOURCES } from "../../refresh/policy.js";
import { planHarvest, type DueTimes, type HarvestPlan } from "../plan.js";
import type { StepContext } from "../run.js";
import { listChanges } from "../stages/list-changes.js";
import { listGenres, listSeries } from "../stages/list-series.js";
import type { ListingResult } from "../steps.js";

/** Options of a run that shape its plan: `--full` and `--refresh <id…>`. */
export interface PlanOptions {
  full: boolean;
  forced: ReadonlySet<number>;
}

/**
 * Lists the run's series and makes its plan.
 * @throws Error when page 1 of the listing stays refused, or the genre list does and no genres are known
 */
export async function listingStep(ctx: StepContext, planOptions: PlanOptions): Promise<ListingResult> {
  const { app, answers, quarantine, log, progress, signal } = ctx;
  const tmdb = app.clients.tmdb;
  const base = { logger: log, progress, signal };
  const concurrency = Math.max(1, app.config.tmdb.maxConcurrent);

  await ctx.phase("genres");
  const genres = await listGenres({ ...base, prisma: app.prisma, runId: ctx.runId, tmdb, answers, quarantine });
  ctx.countRows(genres.rowsWritten);

  await ctx.phase("listing");
  const listingRatings = new Map<number, RatingObservation>();
  const listing = await listSeries({ ...base, tmdb, answers, quarantine, concurrency }, { maxPages: ctx.options.maxPages, ratings: listingRatings });
  const seriesListed = listing.seriesIds.length + listing.entriesRejected + listing.entriesLost;
  await ctx.recordCounts({ seriesListed });

  await ctx.phase("changes");
  const changes = await listChanges(
    { ...base, prisma: app.prisma, tmdb, answers, quarantine, now: app.now, concurrency },
    { runId: ctx.runId, full: planOptions.full },
  );
  if (ctx.plan === null) {
    const now = app.now();
    const plan = planHarvest({
      mode: "weekly",
      listing: listing.seriesIds,
      listingRatings,
      changes,
      published: await seriesWithPublishedVersion(app.prisma, listing.seriesIds),
      due: await readDueTimesOf(ctx, listing.seriesIds, now),
      forced: planOptions.forced,
      now,
    });
    await ctx.recordPlan(plan);
  }
  return {
    pages: listing.pages,
    seriesListed,
    seriesLost: listing.entriesRejected + listing.entriesLost,
    seriesRejected: listing.entriesRejected,
    genreIds: [...genres.knownGenreIds],
  };
}

/** The plan of a top-up (made before its first step): OMDb and the sites for the catalogue's due and forced series. */
export async function planTopUp(ctx: StepContext, planOptions: PlanOptions): Promise<HarvestPlan> {
  const catalogue = await findCatalogueSeriesIds(ctx.app.prisma);
  const now = ctx.app.now();
  const plan = planHarvest({ mode: "topup", catalogue, due: await readDueTimesOf(ctx, catalogue, now), forced: planOptions.forced, now });
  await ctx.recordPlan(plan);
  return plan;
}

/** The stored due times of `seriesIds`, per source. */
async function readDueTimesOf(ctx: StepContext, seriesIds: readonly number[], now: Date): Promise<DueTimes> {
  const entries = await Promise.all(
    REFRESH_SOURCES.map(async (source) => {
      const { due } = await readDueTimes(ctx.app.prisma, source, ctx.app.config.refresh, now, seriesIds);
      return [source, new Map(due.map((d) => [d.seriesId, d.dueAt]))] as const;
    }),
  );
  return { tmdb: new Map(), omdb: new Map(), rottentomatoes: new Map(), metacritic: new Map(), ...Object.fromEntries(entries) };
}
