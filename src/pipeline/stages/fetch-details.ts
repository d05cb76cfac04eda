/**
 * Stage "fetch details": `/tv/{id}?append_to_response=external_ids` for each listed series (TMDB:
 * https://developer.themoviedb.org/reference/tv-series-details), shape-checked, mapped to series records
 * and checked by the boundary rules; TMDB's own rating comes along. A bounded window of series is in
 * flight, so memory follows the window, not the catalogue.
 */
import { forEachBounded } from "../../concurrency.js";
import type { RatingObservation, RecordIssue, SeriesRecord } from "../../domain.js";
import { RequestAbortedError, UpstreamHttpError, errorMessage } from "../../errors.js";
import type { UpstreamClient } from "../../http/client.js";
import { checkSeries } from "../../quality/rules.js";
import { seriesDetailsSchema } from "../../sources/tmdb/schemas.js";
import { parseSeriesDetails, seriesDetailsRequest, toSeriesRecord, toTmdbRating } from "../../sources/tmdb/tmdb.js";
import { nonJsonBodyIssue, primaryReason } from "../../validation/issues.js";
import { toPostgresSeries } from "../../validation/postgres.js";
import { RefusedAnswerError, type AnswerStore, type FetchedAnswer } from "../answer-store.js";
import type { QuarantineSink, StageBase } from "./deps.js";
import { validRatings } from "./ratings.js";

/** Share of failed series detail requests above which the run is failed rather than continued. */
export const MAX_DETAIL_FAILURE_RATIO = 0.05;

/** Dependencies of {@link fetchDetails}. `concurrency`: series in flight at once. */
export interface FetchDetailsDeps extends StageBase {
  tmdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
  now: () => Date;
  concurrency: number;
  /** ISO 3166-1 regions whose streaming availability is kept (TMDB_WATCH_REGIONS). */
  watchRegions: readonly string[];
  /**
   * Takes each checked series as it passes (the harvest's batching loader), with its index in the listing; the
   * output's `series` then holds none of them, so no stage keeps every record of the run. Omitted: all are returned.
   */
  onSeries?: (series: SeriesRecord, index: number) => Promise<void>;
}

/** Input of {@link fetchDetails}: the listed series ids and TMDB's genre ids for this run. */
export interface FetchDetailsInput {
  seriesIds: readonly number[];
  knownGenreIds: ReadonlySet<number>;
}

/** The series that passed their checks (in listing order) and their valid TMDB ratings. */
export interface FetchedDetails {
  series: SeriesRecord[];
  tmdbRatings: RatingObservation[];
  /** Series whose details answered 404: listed, then gone from TMDB (not lost: nothing failed). */
  gone: number[];
  /** Series lost to a failed request (after its retries; quarantined as `upstream_error`). */
  lost: number[];
  /** Series whose answer or record was refused: a body of the wrong shape (schema drift), or a record failing its rules. */
  rejected: number[];
}

/**
 * Fetches and checks every series' details. A 404 (listed, then gone) is skipped; a body refused by its
 * check after the retries (truncated, malformed, empty, HTML, wrong shape) is schema drift with its reason;
 * a record failing its rules or its PostgreSQL column types (src/validation/postgres.ts: a TMDB id above
 * 2³¹−1) is rejected; a failed request (after its retries, 429 past the client's deadline included) is
 * rejected as `upstream_error`. Each of these loses one series (told to `deps.onSeriesLost`) and the stage
 * goes on.
 * @throws UpstreamHttpError 401/403 (credentials): nothing else can succeed
 * @throws Error when more than 5% of the requests (at least 10) failed
 */
export async function fetchDetails(deps: FetchDetailsDeps, input: FetchDetailsInput): Promise<FetchedDetails> {
  const { quarantine, progress, logger } = deps;
  progress.start("series", input.seriesIds.length);
  const currentYear = deps.now().getUTCFullYear();
  const maxFailures = Math.max(10, Math.ceil(input.seriesIds.length * MAX_DETAIL_FAILURE_RATIO));
  let failures = 0;
  let seriesLost = 0;
  const series: (SeriesRecord | undefined)[] = [];
  const tmdbRatings: RatingObservation[] = [];
  const gone: number[] = [];
  const lost: number[] = [];
  const rejected: number[] = [];

  const fetchOne = async (index: number): Promise<void> => {
    const id = input.seriesIds[index];
    if (id === undefined) return;
    const req = seriesDetailsRequest(id);
    let answer: FetchedAnswer;
    try {
      answer = await deps.answers.fetch(deps.tmdb, req.key, req.path, req.params, { acceptStatus: (s) => s === 404, schema: seriesDetailsSchema });
    } catch (error) {
      if (error instanceof UpstreamHttpError && (error.status === 401 || error.status === 403)) throw error;
      // The run is stopping: nothing was kept and nothing is lost, a resume asks again.
      if (error instanceof RequestAbortedError) return;
      seriesLost += 1;
      if (error instanceof RefusedAnswerError) {
        rejected.push(id);
        quarantine.drift({ endpoint: "tmdb_series", upstreamKey: req.key, reason: error.reason, issues: error.issues, payload: error.payload });
        return;
      }
      failures += 1;
      lost.push(id);
      quarantine.reject({
        endpoint: "tmdb_series",
        upstreamKey: req.key,
        reason: "upstream_error",
        issues: [{ path: "", message: errorMessage(error), reason: "upstream_error" }],
        payload: null,
      });
      if (failures > maxFailures)
        throw new Error(`too many TMDB detail requests failed (${failures}); last: ${errorMessage(error)}`, { cause: error });
      return;
    } finally {
      progress.tick("series");
    }
    if (answer.status === 404) {
      gone.push(id);
      logger.info({ seriesId: id }, "series listed but its details are gone (404); skipped");
      return;
    }
    if (answer.json === undefined) {
      seriesLost += 1;
      rejected.push(id);
      const issues: RecordIssue[] = [nonJsonBodyIssue(answer.text)];
      quarantine.drift({ endpoint: "tmdb_series", upstreamKey: req.key, issues, payload: answer.text });
      return;
    }
    const parsed = parseSeriesDetails(answer.json);
    if (!parsed.ok) {
      seriesLost += 1;
      rejected.push(id);
      quarantine.drift({ endpoint: "tmdb_series", upstreamKey: req.key, issues: parsed.issues, payload: answer.json });
      return;
    }
    const verdict = checkSeries(toSeriesRecord(parsed.value, { watchRegions: deps.watchRegions }), {
      knownGenreIds: input.knownGenreIds,
      currentYear,
    });
    // The one validation path: the boundary rules, then PostgreSQL's column types (text, int4).
    const safe = verdict.ok ? toPostgresSeries(verdict.value) : verdict;
    if (!safe.ok) {
      seriesLost += 1;
      rejected.push(id);
      quarantine.reject({
        endpoint: "tmdb_series",
        upstreamKey: req.key,
        reason: primaryReason(safe.issues),
        issues: safe.issues,
        payload: answer.json,
      });
      return;
    }
    const flags = [...answer.repairs, ...(verdict.ok ? verdict.flags : []), ...safe.flags];
    quarantine.flag({ endpoint: "tmdb_series", upstreamKey: req.key, issues: flags, payload: answer.json });
    const rating = toTmdbRating(parsed.value);
    if (rating) tmdbRatings.push(...validRatings(quarantine, [rating], { endpoint: "tmdb_series", upstreamKey: req.key, payload: answer.json }));
    if (deps.onSeries) await deps.onSeries(safe.value, index);
    else series[index] = safe.value;
  };

  await forEachBounded(indices(input.seriesIds.length), deps.concurrency, fetchOne, deps.signal);
  if (seriesLost > 0) {
    logger.warn({ seriesLost }, "series lost in the details stage (quarantined with their reasons)");
    deps.onSeriesLost?.(seriesLost);
  }
  return { series: series.filter((s): s is SeriesRecord => s !== undefined), tmdbRatings, gone, lost, rejected };
}

/** 0, 1, …, n-1, lazily. */
function* indices(n: number): Generator<number> {
  for (let i = 0; i < n; i += 1) yield i;
}
