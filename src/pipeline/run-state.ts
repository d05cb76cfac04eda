/**
 * The summary of a harvest run, made by the pure {@link toSummary} from what its steps returned and what it stored
 * (printed at the end, stored in `harvest_run.summary`, returned by `runHarvest`).
 */
import type { RatingSourceKey } from "../domain.js";
import type { UpstreamStats } from "../http/client.js";
import type { StoredRunCounts } from "../load/harvest-run.js";
import type { RowCounts } from "../load/loader.js";
import type { QuarantineCount } from "../load/quarantine.js";
import type { UpstreamName } from "../metrics/metrics.js";
import type { RatingsSitesResult } from "../enrichers/ratings-sites.js";
import type { RefreshSource } from "../refresh/policy.js";
import type { OverdueStat } from "../refresh/due-times.js";
import type { HarvestPlan } from "./plan.js";
import { HARVEST_STEPS, type HarvestStep, type StepResults } from "./steps.js";

/** Final state of a run. `interrupted`: stopped by its abort signal; resumable with `--resume`. */
export type RunOutcome = "succeeded" | "failed" | "failed_quality" | "interrupted";

/** OMDb stage outcome for the summary. */
export interface OmdbStageSummary {
  /** `unavailable`: OMDb kept failing (10 lookups in a row), so the stage stopped early. */
  status: "done" | "disabled" | "no_api_key" | "quota_exhausted" | "budget_exhausted" | "unavailable";
  lookedUp: number;
  found: number;
  notFound: number;
  errors: number;
  /** Series not looked up because the budget or quota ran out (their older ratings keep serving). */
  skipped: number;
  budgetRemaining: number | null;
}

/** The ratings-sites step's part of the summary. */
export type RatingsSitesSummary = (Omit<RatingsSitesResult, "observations" | "seasonObservations"> & { status: "done" }) | { status: "disabled" };

/** One expectation's result in the summary. */
export interface QualitySummaryRow {
  check: string;
  severity: string;
  passed: boolean;
  observed: number | null;
  threshold: string | null;
}

/** What a harvest run did; printed at the end and stored in `harvest_run.summary`. */
export interface HarvestSummary {
  runId: number;
  status: RunOutcome;
  resumed: boolean;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  /** The steps the run completed (over all its attempts), in order. */
  stepsCompleted: HarvestStep[];
  pages: number;
  seriesListed: number;
  seriesLoaded: number;
  /**
   * Listed series (or listing entries) the run goes on without, each quarantined with its reason: lost to
   * failures after their retries (a listing page that stayed refused, counted as page 1's size; details that
   * failed: 5xx, timeouts, 429 past the deadline) or rejected (an entry or a record failing its rules or column
   * types, a body refused by its check). 404s (series gone) and series carried forward are not counted.
   */
  seriesLost: number;
  /** Of {@link seriesLost}, those rejected by the boundary. */
  seriesRejected: number;
  /**
   * Every listed series accounted for, over all the run's attempts: `listed = loaded + lost + gone + rejected`
   * (lost here: to failures only; a series carried forward is loaded whatever its details did).
   */
  accounting: { listed: number; loaded: number; lost: number; gone: number; rejected: number };
  /** Listed series whose details answered 404 (gone from TMDB) and that were not carried forward. */
  seriesGone: number;
  /**
   * Values a details answer lacked (plot, dates, images, genres, networks, platforms…) that the series' version kept
   * from its earlier version, per field: gaps in the upstream, not in what analysts see.
   */
  keptValues: Record<string, number>;
  /** Rating facts written in this run, per rating source. */
  ratingsBySource: Partial<Record<RatingSourceKey, number>>;
  rowsWritten: RowCounts;
  quarantine: { rejected: number; flagged: number; schemaDrift: number; details: QuarantineCount[] };
  /** Requests sent per upstream during this run (answers re-used from an earlier attempt are not requests). */
  requests: Partial<Record<UpstreamName, UpstreamStats>>;
  /** Fetched answers re-used from an earlier attempt of this run (the name is kept for readers of the JSON). */
  reusedFromStage: number;
  omdb: OmdbStageSummary;
  enrichment: RatingsSitesSummary | null;
  quality: QualitySummaryRow[];
  /** Seconds per step of this attempt. */
  stepSeconds: Record<string, number>;
  /**
   * Seconds per phase of this attempt (genres, listing, changes, details, load, omdb, scrape, quality: the run row's
   * `stage` values; src/pipeline/steps.ts). The name is kept for readers of the JSON (the benchmark).
   */
  stageSeconds: Record<string, number>;
  /** What the run fetched again and what is still overdue (src/refresh; absent in runs before issue 11). */
  refresh?: RefreshSummary;
  error?: string;
  /** True when the run failed for a temporary reason (an upstream or the database unreachable; src/exit-codes.ts): a retry may succeed. */
  errorRetryable?: boolean;
}

/**
 * How a run chose what to fetch (docs/refresh.md): `full` (with the reason), `incremental` (details only for new,
 * changed, overdue and forced series; the others carried forward) or `topup` (enrichment only, most overdue first);
 * and per source, at the end of the run, the catalogue's series that are overdue and the age of the oldest value held.
 */
export interface RefreshSummary {
  kind: "full" | "incremental" | "topup";
  reason?: string;
  /** Series in TMDB's change list of the window (incremental runs). */
  changed?: number;
  /** Series whose details were fetched, and series carried forward unchanged. */
  detailsFetched: number;
  carriedForward: number;
  overdue: Partial<Record<RefreshSource, OverdueStat>>;
}

/** What the life cycle of a run (src/pipeline/run.ts) knows at its end, for {@link toSummary}. */
export interface RunView {
  run: { runId: number; resumed: boolean; startedAt: Date };
  status: RunOutcome;
  error?: string;
  /** The failure was temporary (see {@link HarvestSummary.errorRetryable}). */
  errorRetryable?: boolean;
  /** What the run's completed steps returned (over all its attempts). */
  results: StepResults;
  plan: HarvestPlan | null;
  /** Seconds per step of this attempt. */
  stepSeconds: Record<string, number>;
  /** Seconds per phase of this attempt (src/pipeline/steps.ts STEP_PHASES). */
  phaseSeconds: Record<string, number>;
  /** Answers re-used from an earlier attempt. */
  reusedAnswers: number;
  /** Rows written by this attempt, per table. */
  rowsWritten: RowCounts;
}

const NO_OMDB: OmdbStageSummary = { status: "disabled", lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null };

/** What is known only at the end of a run. Durations in seconds. */
export interface RunEndFacts {
  finishedAt: Date;
  durationSeconds: number;
  quarantine: readonly QuarantineCount[];
  requests: Partial<Record<UpstreamName, UpstreamStats>>;
  /**
   * The run's rows as stored over all its attempts; when given, they are the summary's facts per rating
   * source, `rowsWritten.rating_fact` and series loaded (the state only knows the last attempt's).
   */
  stored?: Pick<StoredRunCounts, "factsBySource" | "facts" | "seriesLoaded">;
}

/** The summary of a run. Pure. */
export function toSummary(view: RunView, end: RunEndFacts): HarvestSummary {
  const counts = [...end.quarantine];
  const sumKind = (kind: string) => counts.filter((c) => c.kind === kind).reduce((n, c) => n + c.count, 0);
  const { listing, details, publish } = view.results;
  const seriesLoaded = end.stored?.seriesLoaded ?? (details ? details.detailsFetched + details.carriedForward : 0);
  const seriesLost = (listing?.seriesLost ?? 0) + (details?.seriesLost ?? 0);
  const seriesRejected = (listing?.seriesRejected ?? 0) + (details?.seriesRejected ?? 0);
  const seriesGone = details?.seriesGone ?? 0;
  return {
    runId: view.run.runId,
    status: view.status,
    resumed: view.run.resumed,
    startedAt: view.run.startedAt.toISOString(),
    finishedAt: end.finishedAt.toISOString(),
    durationSeconds: Math.round(end.durationSeconds * 1000) / 1000,
    stepsCompleted: HARVEST_STEPS.filter((s) => view.results[s] !== undefined),
    pages: listing?.pages ?? 0,
    seriesListed: listing?.seriesListed ?? 0,
    seriesLoaded,
    seriesLost,
    seriesRejected,
    seriesGone,
    accounting: {
      listed: listing?.seriesListed ?? 0,
      loaded: seriesLoaded,
      lost: seriesLost - seriesRejected,
      gone: seriesGone,
      rejected: seriesRejected,
    },
    keptValues: details?.keptValues ?? {},
    ratingsBySource: end.stored?.factsBySource ?? {},
    rowsWritten: end.stored ? { ...view.rowsWritten, rating_fact: end.stored.facts } : view.rowsWritten,
    quarantine: { rejected: sumKind("rejected"), flagged: sumKind("flagged"), schemaDrift: sumKind("schema_drift"), details: counts },
    requests: end.requests,
    reusedFromStage: view.reusedAnswers,
    omdb: view.results.omdb ?? NO_OMDB,
    enrichment: view.results["ratings-sites"] ?? null,
    quality: publish?.quality ?? [],
    stepSeconds: view.stepSeconds,
    stageSeconds: view.phaseSeconds,
    ...(view.plan ? { refresh: refreshSummary(view.plan, view.results) } : {}),
    ...(view.error !== undefined ? { error: view.error } : {}),
    ...(view.errorRetryable === true ? { errorRetryable: true } : {}),
  };
}

/** How the run chose what to fetch (its plan) and what it fetched. */
function refreshSummary(plan: HarvestPlan, results: StepResults): RefreshSummary {
  return {
    kind: plan.kind,
    ...(plan.reason === undefined ? {} : { reason: plan.reason }),
    ...(plan.changed === undefined ? {} : { changed: plan.changed }),
    detailsFetched: results.details?.detailsFetched ?? 0,
    carriedForward: results.details?.carriedForward ?? 0,
    overdue: results.publish?.overdue ?? {},
  };
}

/** Requests per upstream between two snapshots of the clients' counters (upstreams with none left out). */
export function requestsBetween(
  before: ReadonlyMap<UpstreamName, UpstreamStats>,
  after: ReadonlyMap<UpstreamName, UpstreamStats>,
): Partial<Record<UpstreamName, UpstreamStats>> {
  const requests: Partial<Record<UpstreamName, UpstreamStats>> = {};
  for (const [name, now] of after) {
    const was = before.get(name) ?? { requests: 0, retries: 0, throttled: 0, failures: 0 };
    const delta = {
      requests: now.requests - was.requests,
      retries: now.retries - was.retries,
      throttled: now.throttled - was.throttled,
      failures: now.failures - was.failures,
    };
    if (delta.requests > 0 || delta.failures > 0) requests[name] = delta;
  }
  return requests;
}
