/**
 * Step `details`: the details of the planned series (`/tv/{id}`), checked and loaded in batches as they arrive (the
 * dimensions, the run's versions, TMDB's ratings as facts), then the published version of the listed series not
 * loaded carried forward with the listing's TMDB rating, and TMDB's outcome per series recorded for the refresh.
 */
import { recordEnrichmentOutcomes } from "../../load/enrichment-state.js";
import { carryForwardSeries } from "../../load/series-carry-forward.js";
import type { HarvestPlan } from "../plan.js";
import type { StepContext } from "../run.js";
import { fetchDetails } from "../stages/fetch-details.js";
import { SeriesLoader } from "../stages/load.js";
import { validRatings } from "../stages/ratings.js";
import type { DetailsResult } from "../steps.js";

/**
 * Fetches, checks and loads the planned series' details, and carries the other published ones forward.
 * @throws UpstreamHttpError 401/403; Error when too many detail requests failed; database errors
 */
export async function detailsStep(ctx: StepContext, plan: HarvestPlan, genreIds: readonly number[]): Promise<DetailsResult> {
  const { app, answers, quarantine, facts, log, progress, signal } = ctx;
  const loader = new SeriesLoader({ prisma: app.prisma, runId: ctx.runId, facts, quarantine });
  // A run that stops early still loads what it checked (its answers are kept too).
  ctx.onStop(() => ctx.locked(() => loader.drain()));
  const loaded = new Set<number>();

  await ctx.phase("details");
  const details = await fetchDetails(
    {
      logger: log,
      progress,
      signal,
      tmdb: app.clients.tmdb,
      answers,
      quarantine,
      now: app.now,
      concurrency: Math.max(1, app.config.tmdb.maxConcurrent),
      watchRegions: app.config.tmdb.watchRegions,
      onSeries: (series) => {
        loaded.add(series.id);
        // A batch write of the loader waits for the lock like every other write of the run.
        return ctx.locked(() => loader.add(series));
      },
    },
    { seriesIds: plan.details, knownGenreIds: new Set(genreIds) },
  );

  await ctx.phase("load");
  ctx.countRows(await ctx.locked(() => loader.finish(details.tmdbRatings)));
  const fetched = plan.details.filter((id) => loaded.has(id));
  await recordEnrichmentOutcomes(
    app.prisma,
    "tmdb",
    fetched.map((seriesId) => ({ seriesId, status: "found", detail: null, success: true })),
    app.now(),
    ctx.runId,
  );
  // Not loaded from fresh details: the published version goes on, with TMDB's rating of this week's listing.
  const carried = plan.carryForward.filter((id) => !loaded.has(id));
  const carriedSet = new Set(carried);
  if (carried.length > 0) {
    ctx.countRows(await ctx.locked(() => carryForwardSeries(app.prisma, ctx.runId, carried)));
    const kept = new Set(carried);
    const ratings = plan.carryForwardRatings.filter((r) => kept.has(r.seriesId));
    await facts.write(validRatings(quarantine, ratings, { endpoint: "tmdb_top_rated", upstreamKey: "tv/top_rated", payload: null }));
  }
  await quarantine.flush();
  await ctx.recordCounts({ seriesLoaded: fetched.length + carried.length });
  // A series carried forward is in the run whatever its details did: loaded, not lost, rejected or gone.
  const notCarried = (ids: readonly number[]) => ids.filter((id) => !carriedSet.has(id)).length;
  const rejected = notCarried(details.rejected);
  return {
    detailsFetched: fetched.length,
    carriedForward: carried.length,
    seriesLost: notCarried(details.lost) + rejected,
    seriesRejected: rejected,
    seriesGone: notCarried(details.gone),
    keptValues: loader.keptValues,
  };
}
