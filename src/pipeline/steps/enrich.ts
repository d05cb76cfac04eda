/**
 * Steps `omdb` and `ratings-sites`: the planned series that the run has (a version of, or in a top-up the catalogue's),
 * enriched from OMDb (IMDb rating and votes, OMDb's copies of the critics' scores) and from the Rotten Tomatoes and
 * Metacritic pages (whose own scores replace OMDb's copies).
 */
import { findRunSeriesIds, findSiteTargets } from "../../load/catalogue.js";
import type { HarvestPlan } from "../plan.js";
import type { StepContext } from "../run.js";
import type { OmdbStageSummary, RatingsSitesSummary } from "../run-state.js";
import { enrichFromOmdb } from "../stages/enrich-omdb.js";
import { enrichFromRatingsSites } from "../stages/ratings-sites.js";

/** The planned series of `ids` the run can enrich: those it has a version of (in a top-up, every one: it loads none). */
async function inRun(ctx: StepContext, plan: HarvestPlan, ids: readonly number[]): Promise<number[]> {
  return plan.kind === "topup" ? [...ids] : findRunSeriesIds(ctx.app.prisma, ctx.runId, ids);
}

/** Looks up the planned series on OMDb (unless disabled or without OMDB_API_KEY). */
export async function omdbStep(ctx: StepContext, plan: HarvestPlan): Promise<OmdbStageSummary> {
  const { app, log } = ctx;
  const off = { lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null };
  if (!ctx.options.omdb) return { status: "disabled", ...off };
  if (!app.config.omdb.apiKey) {
    log.warn("OMDB_API_KEY is not set: skipping OMDb");
    return { status: "no_api_key", ...off };
  }
  const seriesIds = await inRun(ctx, plan, plan.omdb);
  await ctx.phase("omdb");
  return enrichFromOmdb(
    {
      logger: log,
      progress: ctx.progress,
      signal: ctx.signal,
      prisma: app.prisma,
      runId: ctx.runId,
      omdb: app.clients.omdb,
      answers: ctx.answers,
      quarantine: ctx.quarantine,
      facts: ctx.facts,
      metrics: app.metrics,
      now: app.now,
      config: app.config.omdb,
    },
    { seriesIds },
  );
}

/** Scrapes the ratings sites for the planned series (unless disabled). */
export async function ratingsSitesStep(ctx: StepContext, plan: HarvestPlan): Promise<RatingsSitesSummary> {
  if (!ctx.options.scrape) return { status: "disabled" };
  const { app } = ctx;
  const series = await findSiteTargets(app.prisma, await inRun(ctx, plan, plan.sites), plan.kind === "topup" ? null : ctx.runId);
  await ctx.phase("scrape");
  const { wikidata, rottentomatoes, metacritic } = app.clients;
  return enrichFromRatingsSites(
    {
      logger: ctx.log,
      progress: ctx.progress,
      signal: ctx.signal,
      prisma: app.prisma,
      runId: ctx.runId,
      clients: { wikidata, rottentomatoes, metacritic },
      answers: ctx.answers,
      quarantine: ctx.quarantine,
      facts: ctx.facts,
      metrics: app.metrics,
      now: app.now,
      config: app.config.scrape,
    },
    { series },
  );
}
