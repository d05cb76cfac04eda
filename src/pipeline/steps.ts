/**
 * The steps of a harvest run, their order, and what each returns. A step is the unit a caller can run on its own
 * (`runSteps`, src/pipeline/harvest.ts), in this process or a later one: each reads what it needs from the run (its
 * plan, the series it loaded) and writes what it produces itself, so nothing travels between steps in memory. What a
 * step returns is kept on the run row (`harvest_run.step_results`) with the steps completed
 * (`harvest_run.steps_completed`), so that the summary of a run made by several processes is the same as one
 * process's.
 *
 *   listing        TMDB's genres, `/tv/top_rated`, `/tv/changes`, and the plan (src/pipeline/plan.ts)
 *   details        `/tv/{id}` of the planned series, loaded in batches; the others carried forward
 *   omdb           IMDb ratings (and OMDb's copies of the critics' scores) for the planned series
 *   ratings-sites  Rotten Tomatoes and Metacritic pages (series and season grain)
 *   publish        the post-load expectations; a run that passes them is published and moves its refresh state
 *
 * The run row's `stage` column shows the phase a step is in ({@link STEP_PHASES}), finer than the steps.
 */
import { z } from "zod";
import type { RefreshSource } from "../refresh/policy.js";
import type { OmdbStageSummary, QualitySummaryRow, RatingsSitesSummary } from "./run-state.js";
import type { OverdueStat } from "../refresh/due-times.js";

/** The steps of a weekly harvest, in order. */
export const HARVEST_STEPS = ["listing", "details", "omdb", "ratings-sites", "publish"] as const;

/** One step of a run. */
export type HarvestStep = (typeof HARVEST_STEPS)[number];

/** The steps of an enrichment top-up (no listing, no details). */
export const TOPUP_STEPS: readonly HarvestStep[] = ["omdb", "ratings-sites", "publish"];

/** True when `name` is a step's name. */
export function isHarvestStep(name: string): name is HarvestStep {
  return HARVEST_STEPS.some((s) => s === name);
}

/**
 * The phases each step records on the run row (`harvest_run.stage`) as it enters them: what an operator (and the
 * crash suite's kill points) see of a run in progress. `done` when the run finished.
 */
export const STEP_PHASES = {
  listing: ["genres", "listing", "changes"],
  details: ["details", "load"],
  omdb: ["omdb"],
  "ratings-sites": ["scrape"],
  publish: ["quality"],
} as const satisfies Record<HarvestStep, readonly string[]>;

/** A phase of a step. */
export type RunPhase = (typeof STEP_PHASES)[HarvestStep][number];

/**
 * The steps that must have completed before `step` runs in a weekly harvest (a top-up has no listing or details).
 * Pure.
 */
export function stepsBefore(step: HarvestStep, topup: boolean): HarvestStep[] {
  const order: readonly HarvestStep[] = topup ? TOPUP_STEPS : HARVEST_STEPS;
  return order.slice(0, Math.max(0, order.indexOf(step)));
}

/** What the listing step returns. */
export interface ListingResult {
  /** Pages of `/tv/top_rated` asked for. */
  pages: number;
  /**
   * Listing entries: the unique series ids the listing gave, the entries rejected at the listing, and the entries of
   * pages that stayed refused (page 1's size each).
   */
  seriesListed: number;
  /** Listing entries lost or rejected: rejected entries, and the entries of pages that stayed refused. */
  seriesLost: number;
  /** Of those, the entries rejected by their rules. */
  seriesRejected: number;
  /** TMDB's genre ids of the run (the reference of the details' checks). */
  genreIds: number[];
}

/** What the details step returns. */
export interface DetailsResult {
  /** Series whose details were fetched and loaded. */
  detailsFetched: number;
  /** Series whose published version was carried forward. */
  carriedForward: number;
  /** Planned series whose details were lost or rejected (quarantined with their reason) and that were not carried forward. */
  seriesLost: number;
  /** Of those, the series whose answer or record was refused (schema drift, rules). */
  seriesRejected: number;
  /** Planned series whose details answered 404 (gone from TMDB) and that were not carried forward. */
  seriesGone: number;
  /** Values a details answer lacked that the series' version kept from its earlier version, per field. */
  keptValues: Record<string, number>;
}

/** What the publish step returns. */
export interface PublishResult {
  quality: QualitySummaryRow[];
  /** True when an error-severity expectation failed: the run is `failed_quality`, not published. */
  failed: boolean;
  /** Per source, the catalogue's series overdue at the end of the run. */
  overdue: Partial<Record<RefreshSource, OverdueStat>>;
}

/** What the steps of a run returned, by step (those completed). */
export interface StepResults {
  listing?: ListingResult;
  details?: DetailsResult;
  omdb?: OmdbStageSummary;
  "ratings-sites"?: RatingsSitesSummary;
  publish?: PublishResult;
}

const count = z.number().int().nonnegative();
const siteCounts = z.object({
  series: count,
  pagesFetched: count,
  pagesParsed: count,
  layoutChanges: count,
  browserFallbacks: count,
  noPage: count,
  slugsRejected: count,
  blocked: count,
  errors: count,
  observations: count,
  seasonPages: count,
  seasonPagesParsed: count,
  seasonPagesRejected: count,
  seasonObservations: count,
});
const overdueStat = z.object({ overdue: count, oldestValueAgeSeconds: z.number().nullable(), withoutValue: count });

/** The shape of `harvest_run.step_results`, checked when read back. */
export const stepResultsSchema = z.object({
  listing: z.object({ pages: count, seriesListed: count, seriesLost: count, seriesRejected: count, genreIds: z.array(z.number().int()) }).optional(),
  details: z
    .object({
      detailsFetched: count,
      carriedForward: count,
      seriesLost: count,
      seriesRejected: count,
      seriesGone: count,
      keptValues: z.record(z.string(), count),
    })
    .optional(),
  omdb: z
    .object({
      status: z.enum(["done", "disabled", "no_api_key", "quota_exhausted", "budget_exhausted", "unavailable"]),
      lookedUp: count,
      found: count,
      notFound: count,
      errors: count,
      skipped: count,
      budgetRemaining: z.number().int().nullable(),
    })
    .optional(),
  "ratings-sites": z
    .union([
      z.object({ status: z.literal("disabled") }),
      z.object({
        status: z.literal("done"),
        totals: siteCounts,
        bySite: z.object({
          rottentomatoes: siteCounts.extend({ strategies: z.record(z.string(), count) }),
          metacritic: siteCounts.extend({ strategies: z.record(z.string(), count) }),
        }),
        wikidata: z.object({ items: count, failedBatches: count }),
      }),
    ])
    .optional(),
  publish: z
    .object({
      quality: z.array(
        z.object({ check: z.string(), severity: z.string(), passed: z.boolean(), observed: z.number().nullable(), threshold: z.string().nullable() }),
      ),
      failed: z.boolean(),
      overdue: z.partialRecord(z.enum(["tmdb", "omdb", "rottentomatoes", "metacritic"]), overdueStat),
    })
    .optional(),
}) satisfies z.ZodType<StepResults>;
