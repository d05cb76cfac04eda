/**
 * The state of one harvest run as the stages fill it in, and the summary made from it by the pure
 * {@link toSummary} (printed at the end, stored in `harvest_run.summary`, returned by `runHarvest`).
 */
import type { RatingObservation, RatingSourceKey } from "../domain.js";
import type { UpstreamStats } from "../http/client.js";
import type { StoredRunCounts } from "../load/harvest-run.js";
import type { RowCounts } from "../load/loader.js";
import type { QuarantineCount } from "../load/quarantine.js";
import type { UpstreamName } from "../metrics/metrics.js";
import type { ScrapeStageResult } from "../enrichers/stage.js";
import type { RefreshSource } from "../refresh/policy.js";
import type { OverdueStat } from "../refresh/targets.js";

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

/** The ratings-site stage's part of the summary. */
export type SitesStageSummary = (Omit<ScrapeStageResult, "observations" | "seasonObservations"> & { status: "done" }) | { status: "disabled" };

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
  pages: number;
  seriesListed: number;
  seriesLoaded: number;
  /**
   * Listed series (or listing entries) lost to failures after their retries, each quarantined with its
   * reason: a listing page that stayed refused (counted as page 1's size), an entry or a record failing its
   * rules or column types, details that failed (5xx, timeouts, 429 past the deadline, a refused body). The
   * run goes on without them; 404s (series gone) are not counted.
   */
  seriesLost: number;
  /** Rating facts written in this run, per rating source. */
  ratingsBySource: Partial<Record<RatingSourceKey, number>>;
  rowsWritten: RowCounts;
  quarantine: { rejected: number; flagged: number; schemaDrift: number; details: QuarantineCount[] };
  /** Requests sent per upstream during this run (answers re-used from an earlier attempt are not requests). */
  requests: Partial<Record<UpstreamName, UpstreamStats>>;
  /** Fetched answers re-used from an earlier attempt of this run (the name is kept for readers of the JSON). */
  reusedFromStage: number;
  omdb: OmdbStageSummary;
  enrichment: SitesStageSummary | null;
  quality: QualitySummaryRow[];
  /** Seconds per pipeline stage. */
  stageSeconds: Record<string, number>;
  /** What the run fetched again and what is still overdue (src/refresh; absent in runs before issue 11). */
  refresh?: RefreshSummary;
  error?: string;
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

/** The mutable state of a run, owned by `runHarvest`; the stages return values that are folded into it. */
export interface RunState {
  runId: number;
  resumed: boolean;
  startedAt: Date;
  status: RunOutcome;
  error?: string;
  pages: number;
  seriesListed: number;
  seriesLoaded: number;
  seriesLost: number;
  ratingsBySource: Partial<Record<RatingSourceKey, number>>;
  rowsWritten: RowCounts;
  reusedAnswers: number;
  omdb: OmdbStageSummary;
  enrichment: SitesStageSummary | null;
  quality: QualitySummaryRow[];
  stageSeconds: Record<string, number>;
  refresh?: RefreshSummary;
}

/** A fresh state for a run that starts (or resumes) now. */
export function initialRunState(run: { runId: number; resumed: boolean; startedAt: Date }): RunState {
  return {
    ...run,
    status: "succeeded",
    pages: 0,
    seriesListed: 0,
    seriesLoaded: 0,
    seriesLost: 0,
    ratingsBySource: {},
    rowsWritten: {},
    reusedAnswers: 0,
    omdb: { status: "disabled", lookedUp: 0, found: 0, notFound: 0, errors: 0, skipped: 0, budgetRemaining: null },
    enrichment: null,
    quality: [],
    stageSeconds: {},
  };
}

/** Adds written facts to the state's counts (per rating source). */
export function countFacts(state: RunState, observations: readonly RatingObservation[]): void {
  for (const o of observations) state.ratingsBySource[o.source] = (state.ratingsBySource[o.source] ?? 0) + 1;
}

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
export function toSummary(state: RunState, end: RunEndFacts): HarvestSummary {
  const counts = [...end.quarantine];
  const sumKind = (kind: string) => counts.filter((c) => c.kind === kind).reduce((n, c) => n + c.count, 0);
  return {
    runId: state.runId,
    status: state.status,
    resumed: state.resumed,
    startedAt: state.startedAt.toISOString(),
    finishedAt: end.finishedAt.toISOString(),
    durationSeconds: Math.round(end.durationSeconds * 1000) / 1000,
    pages: state.pages,
    seriesListed: state.seriesListed,
    seriesLoaded: end.stored?.seriesLoaded ?? state.seriesLoaded,
    seriesLost: state.seriesLost,
    ratingsBySource: end.stored?.factsBySource ?? state.ratingsBySource,
    rowsWritten: end.stored ? { ...state.rowsWritten, rating_fact: end.stored.facts } : state.rowsWritten,
    quarantine: { rejected: sumKind("rejected"), flagged: sumKind("flagged"), schemaDrift: sumKind("schema_drift"), details: counts },
    requests: end.requests,
    reusedFromStage: state.reusedAnswers,
    omdb: state.omdb,
    enrichment: state.enrichment,
    quality: state.quality,
    stageSeconds: state.stageSeconds,
    ...(state.refresh !== undefined ? { refresh: state.refresh } : {}),
    ...(state.error !== undefined ? { error: state.error } : {}),
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
