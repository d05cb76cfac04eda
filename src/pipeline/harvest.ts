/**
 * The harvest run: TMDB top-rated series → details → star schema, enriched from OMDb and the ratings sites, checked
 * and published. The run is a sequence of steps (src/pipeline/steps.ts):
 *   listing → details → omdb → ratings-sites → publish
 * each timed into `tv_harvester_stage_duration_seconds{stage}` and recorded on the run row when it completes. The
 * life cycle around them (lock, run row, heartbeat, lock-gated writers, summary) is src/pipeline/run.ts; the plan the
 * steps apply is src/pipeline/plan.ts.
 *
 * Every upstream answer is kept in the run's answer store (`upstream_answer`), dimensions are upserted and facts are
 * unique per series × rating source × run, so a run that was interrupted (crash, kill, abort signal, lost database)
 * is continued with `resume: true`: its steps re-read what it already fetched and ask the upstreams only for the
 * rest, ending with the same tables as an uninterrupted run.
 */
import type { HarvestTrigger } from "../generated/prisma/enums.js";
import type { App } from "../app.js";
import { planTopUp, listingStep, type PlanOptions } from "./steps/listing.js";
import { detailsStep } from "./steps/details.js";
import { omdbStep, ratingsSitesStep } from "./steps/enrich.js";
import { publishStep } from "./steps/publish.js";
import { HarvestRunLifecycle, type OpenRunOptions, type StepContext } from "./run.js";
import type { HarvestPlan } from "./plan.js";
import type { ProgressReporter } from "./progress.js";
import type { HarvestSummary } from "./run-state.js";
import { HARVEST_STEPS, TOPUP_STEPS, stepsBefore, type HarvestStep } from "./steps.js";

export type { HarvestSummary, OmdbStageSummary, RunOutcome } from "./run-state.js";
export { HARVEST_STEPS, type HarvestStep } from "./steps.js";

/** Options of a harvest run. */
export interface HarvestOptions {
  /** Stop paging after this many pages of `/tv/top_rated` (TMDB's own cap is 500). */
  maxPages?: number;
  /** Enrich from OMDb (default true; skipped anyway without OMDB_API_KEY). */
  omdb?: boolean;
  /** Enrich from Rotten Tomatoes and Metacritic (default true). */
  scrape?: boolean;
  /** Continue the latest running (dead), failed or interrupted run instead of starting a new one. */
  resume?: boolean;
  /** What started the run: cli, schedule, demo, test, topup. */
  trigger?: HarvestTrigger;
  /** Fetch every listed series' details and every enrichment whatever their refresh ages (`harvest --full`). */
  full?: boolean;
  /** TMDB ids whose details and enrichments are fetched again whatever their ages (`harvest --refresh <id…>`). */
  refresh?: readonly number[];
  /**
   * An enrichment top-up (`serve` between weekly harvests; trigger "topup"): no listing and no details, only OMDb
   * (within the day's remaining budget) and the sites for the catalogue's most overdue series. Writes no series
   * versions; its facts belong to its own run.
   */
  topup?: boolean;
  progress?: ProgressReporter;
  /**
   * Stops the run when aborted: no new request is started, requests and writes in flight finish, buffered
   * answers, facts and quarantine rows are written, the run row is marked `interrupted` with its counts, and
   * the summary is returned with `status: "interrupted"` (resumable with `resume: true`).
   */
  signal?: AbortSignal;
}

/** Thrown when a step is asked for before the steps it needs have completed on the run. */
export class StepOrderError extends Error {
  constructor(
    readonly step: HarvestStep,
    readonly missing: readonly HarvestStep[],
  ) {
    super(`step ${step} needs ${missing.join(", ")} to have completed on the run first`);
    this.name = "StepOrderError";
  }
}

/**
 * Runs one harvest (or resumes one): every step in order. Returns the summary; a run that failed returns
 * `status: "failed"` with `error` (it is not thrown), a run stopped by `options.signal` or by the loss of the harvest
 * lock returns `status: "interrupted"`.
 * @throws {HarvestLockedError} when another harvest holds the lock
 * @throws {NothingToResumeError} when `resume` finds no run to resume
 */
export async function runHarvest(app: App, options: HarvestOptions = {}): Promise<HarvestSummary> {
  return runSteps(app, { ...options, steps: options.topup === true || options.trigger === "topup" ? TOPUP_STEPS : HARVEST_STEPS });
}

/** Options of {@link runSteps}: those of a harvest, the steps to run, and optionally the run to resume. */
export interface RunStepsOptions extends HarvestOptions {
  /**
   * The steps to run, in order. A step the run completed already runs again: it re-uses the answers it kept (no
   * upstream is asked again) and writes nothing twice, so a step is idempotent.
   */
  steps: readonly HarvestStep[];
  /** Resume this run instead of the latest resumable one (or a new one). */
  runId?: number;
  /** A new run gets this key (`harvest --run-key`; unique: a second run of one key fails with Prisma's P2002). */
  runKey?: string;
}

/**
 * Runs `steps` on a run: a new one, the latest resumable one (`resume`), or run `runId`. The summary says which steps
 * the run has completed (`stepsCompleted`, over all its attempts and processes). A run is published (and ends
 * `succeeded` or `failed_quality`) only by its `publish` step; until then it ends `interrupted`, resumable.
 * @throws {HarvestLockedError} when another harvest holds the lock
 * @throws {NothingToResumeError} when there is no run to resume
 * @throws {StepOrderError} when a step's predecessors have not completed (nothing is run; the run stays resumable)
 */
export async function runSteps(app: App, options: RunStepsOptions): Promise<HarvestSummary> {
  const opened: OpenRunOptions = { ...options, ...(options.resume === true ? { resume: true } : {}) };
  const run = await HarvestRunLifecycle.open(app, opened);
  const topup = options.topup === true || run.run.trigger === "topup";
  const planOptions: PlanOptions = { full: options.full === true, forced: new Set(options.refresh ?? []) };
  const missing = options.steps.flatMap((step, i) =>
    stepsBefore(step, topup).filter((before) => !run.stepsCompleted.has(before) && !options.steps.slice(0, i).includes(before)),
  );
  try {
    if (missing.length > 0) throw new StepOrderError(options.steps[0] ?? "listing", [...new Set(missing)]);
    for (const step of options.steps) await runStep(run, step, planOptions, topup);
  } catch (error) {
    run.fail(error);
    if (error instanceof StepOrderError) {
      await run.close();
      throw error;
    }
  }
  return run.close();
}

/** Runs one step of `run` with what it needs: the plan (a top-up's is made before its first step), the genre ids. */
async function runStep(run: HarvestRunLifecycle, step: HarvestStep, planOptions: PlanOptions, topup: boolean): Promise<void> {
  const ctx = run.context;
  if (step === "listing") {
    await run.step("listing", () => listingStep(ctx, planOptions));
    return;
  }
  const plan = ctx.plan ?? (topup ? await planTopUp(ctx, planOptions) : missingPlan());
  switch (step) {
    case "details":
      await run.step("details", () => detailsStep(ctx, plan, ctx.results.listing?.genreIds ?? []));
      return;
    case "omdb":
      await run.step("omdb", () => omdbStep(ctx, plan));
      return;
    case "ratings-sites":
      await run.step("ratings-sites", () => ratingsSitesStep(ctx, plan));
      return;
    case "publish":
      await run.step("publish", () => publishStep(ctx, plan));
      return;
  }
}

/** A weekly run past its listing always has a plan (made by the listing step). */
function missingPlan(): never {
  throw new Error("the run has no plan: its listing step has not completed");
}

export type { StepContext, HarvestPlan };
