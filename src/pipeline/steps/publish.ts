/**
 * Step `publish`: the post-load expectations (src/quality/expectations.ts), on fresh planner statistics of the run's
 * tables (src/load/statistics.ts). A run that passes them is published: the
 * outcomes it recorded per series and source move into `enrichment_state`, the names of genres, networks and
 * platforms it saw into their dimensions (src/load/dimension-versions.ts), and the due times of its catalogue are
 * written, so that only a run whose facts the views show advances the refresh state. A run that fails them is
 * `failed_quality` and changes no due time.
 */
import { findAllRunSeriesIds, findCatalogueSeriesIds, readDueTimes } from "../../load/catalogue.js";
import { publishDimensionVersions } from "../../load/dimension-versions.js";
import { publishEnrichmentOutcomes, writeDueTimes } from "../../load/enrichment-state.js";
import { analyzeHarvestedTables } from "../../load/statistics.js";
import { REFRESH_SOURCES, type RefreshSource } from "../../refresh/policy.js";
import { overdueStat, type OverdueStat } from "../../refresh/due-times.js";
import type { HarvestPlan } from "../plan.js";
import type { StepContext } from "../run.js";
import { checkQuality } from "../stages/check-quality.js";
import type { PublishResult } from "../steps.js";

/** Checks the run and, when it passes, publishes its refresh state. Returns the results and the overdue series. */
export async function publishStep(ctx: StepContext, plan: HarvestPlan): Promise<PublishResult> {
  const { app } = ctx;
  await ctx.phase("quality");
  // Statistics autovacuum took halfway through the load would plan the expectations (and the views) for a
  // fraction of the rows.
  await analyzeHarvestedTables(app.prisma);
  const quality = await checkQuality(
    { prisma: app.prisma, metrics: app.metrics, logger: ctx.log, now: app.now, thresholds: app.config.quality },
    { runId: ctx.runId },
  );
  if (!quality.failed) {
    await ctx.locked(() => publishEnrichmentOutcomes(app.prisma, ctx.runId));
    ctx.countRows(await ctx.locked(() => publishDimensionVersions(app.prisma, ctx.runId)));
  }
  const catalogue = plan.kind === "topup" ? await findCatalogueSeriesIds(app.prisma) : await findAllRunSeriesIds(app.prisma, ctx.runId);
  const overdue = await dueAndOverdue(ctx, catalogue, !quality.failed);
  for (const [source, stat] of Object.entries(overdue)) {
    app.metrics.overdueSeries.set({ source }, stat.overdue);
    if (stat.oldestValueAgeSeconds !== null) app.metrics.oldestValueAge.set({ source }, stat.oldestValueAgeSeconds);
  }
  return { quality: quality.results, failed: quality.failed, overdue };
}

/**
 * Per source, over `catalogue`: the series overdue now and the age of the oldest value held; with `write`, the due
 * times are written (`enrichment_state.due_at`). OMDb counts only series with an IMDb id (the others cannot be asked).
 */
async function dueAndOverdue(ctx: StepContext, catalogue: readonly number[], write: boolean): Promise<Partial<Record<RefreshSource, OverdueStat>>> {
  const { prisma, config } = ctx.app;
  const now = ctx.app.now();
  const out: Partial<Record<RefreshSource, OverdueStat>> = {};
  for (const source of REFRESH_SOURCES) {
    const { due, candidates } = await readDueTimes(prisma, source, config.refresh, now, catalogue);
    if (write) {
      const stored = new Set(candidates.filter((c) => c.state !== null).map((c) => c.seriesId));
      await writeDueTimes(prisma, source, new Map(due.filter((d) => stored.has(d.seriesId)).map((d) => [d.seriesId, d.dueAt])));
    }
    const askable = source === "omdb" ? new Set(candidates.filter((c) => c.imdbId !== null).map((c) => c.seriesId)) : null;
    out[source] = overdueStat(askable ? due.filter((d) => askable.has(d.seriesId)) : due, now);
  }
  return out;
}
