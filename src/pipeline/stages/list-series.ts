/**
 * Stage "list series": TMDB's genre list (the reference for genre ids, upserted into `genre_dim`) and the
 * series ids of `/tv/top_rated`, paged up to `maxPages` (TMDB: https://developer.themoviedb.org/reference/tv-series-top-rated-list).
 */
import type { PrismaClient } from "../../db/prisma.js";
import { forEachBounded } from "../../concurrency.js";
import type { UpstreamClient } from "../../http/client.js";
import { upsertGenres, type RowCounts } from "../../load/loader.js";
import type { RatingObservation } from "../../domain.js";
import { genreListSchema, topRatedPageSchema, type TmdbTopRatedResult } from "../../sources/tmdb/schemas.js";
import {
  dedupeSeriesIds,
  genreListRequest,
  lastPageToFetch,
  parseGenreList,
  parseTopRatedPage,
  parseTopRatedResult,
  topRatedRequest,
} from "../../sources/tmdb/tmdb.js";
import { primaryReason } from "../../validation/issues.js";
import { toPostgresGenre, toPostgresInteger } from "../../validation/postgres.js";
import type { QuarantineReason, RecordIssue } from "../../domain.js";
import { RefusedAnswerError, type AnswerStore, type FetchedAnswer } from "../answer-store.js";
import type { QuarantineSink, StageBase } from "./deps.js";

/** Dependencies of {@link listGenres}. */
export interface ListGenresDeps extends Omit<StageBase, "progress"> {
  prisma: PrismaClient;
  /** The run whose `genre_version` the genres' names go to. */
  runId: number;
  tmdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
}

/**
 * Fetches `/genre/tv/list` and upserts the genres. The answer's body is checked against its schema (retried
 * when refused); when it stays refused (quarantined as drift with its reason: `not_json`, `invalid_json`,
 * `empty_body` or the schema's issues), the genres already known are the reference.
 * @throws Error when the list stays refused and no genres are known yet
 */
export async function listGenres(deps: ListGenresDeps): Promise<{ knownGenreIds: Set<number>; rowsWritten: RowCounts }> {
  const req = genreListRequest();
  const parsed = await fetchRefusable(deps.answers.fetch(deps.tmdb, req.key, req.path, req.params, { schema: genreListSchema }), parseGenreList);
  if (parsed.ok) {
    // Column types too (an id beyond int4 would fail the upsert): such a genre is rejected alone.
    const genres = parsed.value.genres.flatMap((genre, i) => {
      const safe = toPostgresGenre(genre, `genres.${i}`);
      if (safe.ok) return [safe.value];
      deps.quarantine.reject({
        endpoint: "tmdb_genres",
        upstreamKey: `${req.key}#${i}`,
        reason: primaryReason(safe.issues),
        issues: safe.issues,
        payload: genre,
      });
      return [];
    });
    const rowsWritten = await upsertGenres(deps.prisma, deps.runId, genres);
    return { knownGenreIds: new Set(genres.map((g) => g.id)), rowsWritten };
  }
  deps.quarantine.drift({ endpoint: "tmdb_genres", upstreamKey: req.key, reason: parsed.reason, issues: parsed.issues, payload: parsed.payload });
  const known = await deps.prisma.genre.findMany({ select: { id: true } });
  if (known.length === 0) throw new Error("TMDB genre list does not match its schema and no genres are known yet");
  deps.logger.warn("genre list failed its schema; validating against the genres already known");
  return { knownGenreIds: new Set(known.map((g) => g.id)), rowsWritten: {} };
}

/** Dependencies of {@link listSeries}. `concurrency`: pages in flight at once. */
export interface ListSeriesDeps extends StageBase {
  tmdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
  concurrency: number;
}

/**
 * Output of {@link listSeries}: unique series ids in listing order, the pages asked for, and the entries the run goes
 * on without: rejected by their rules, and those of pages that stayed refused (page 1's size each).
 */
export interface SeriesListing {
  seriesIds: number[];
  pages: number;
  totalPages: number;
  entriesRejected: number;
  entriesLost: number;
}

/**
 * Input of {@link listSeries}. `ratings`, when given, receives TMDB's own rating of each listed series as the listing
 * gives it (vote average 0–10 and count; none when nobody voted), which an incremental run writes for the series whose
 * details it does not fetch again.
 */
export interface ListSeriesInput {
  maxPages: number | null;
  ratings?: Map<number, RatingObservation>;
}

/** TMDB's rating from a listing entry, as {@link import("../../sources/tmdb/tmdb.js").toTmdbRating} reads it from the details. */
export function toListingRating(entry: TmdbTopRatedResult): RatingObservation | null {
  if (entry.vote_average === undefined || entry.vote_count === undefined || entry.vote_count === 0) return null;
  return {
    seriesId: entry.id,
    source: "tmdb",
    score: entry.vote_average,
    voteCount: entry.vote_count,
    voteCountIsLowerBound: false,
    grain: "series",
    method: "api",
  };
}

/**
 * Pages through `/tv/top_rated`: page 1 gives the page count, pages 2…last follow in a bounded window.
 * Each page's body is checked against the envelope schema and retried when refused. A page that stays
 * refused is schema drift: the run goes on without its series and says so (`deps.onSeriesLost` is told page
 * 1's size for each such page: its series are unknown, TMDB pages hold 20); an entry of the wrong shape is
 * rejected alone (one series lost).
 * @throws Error when page 1 stays refused (nothing can be listed)
 */
export async function listSeries(deps: ListSeriesDeps, input: ListSeriesInput): Promise<SeriesListing> {
  const { progress } = deps;
  let rejectedEntries = 0;
  const fetchPage = async (page: number): Promise<{ totalPages: number; results: TmdbTopRatedResult[]; size: number } | null> => {
    const req = topRatedRequest(page);
    const envelope = await fetchRefusable(
      deps.answers.fetch(deps.tmdb, req.key, req.path, req.params, { schema: topRatedPageSchema }),
      parseTopRatedPage,
    );
    progress.tick("pages");
    if (!envelope.ok) {
      deps.quarantine.drift({
        endpoint: "tmdb_top_rated",
        upstreamKey: req.key,
        reason: envelope.reason,
        issues: envelope.issues,
        payload: envelope.payload,
      });
      return null;
    }
    const results: TmdbTopRatedResult[] = [];
    envelope.value.results.forEach((entry, i) => {
      const parsed = parseTopRatedResult(entry);
      // The id's column type too: an id beyond int4 is rejected here, never requested nor cast with the others.
      const id = parsed.ok ? toPostgresInteger(parsed.value.id, "int4", "id", "id") : null;
      const issues = !parsed.ok ? parsed.issues : id && !id.ok ? id.issues : [];
      if (parsed.ok && issues.length === 0) results.push(parsed.value);
      else {
        rejectedEntries += 1;
        deps.quarantine.reject({
          endpoint: "tmdb_top_rated",
          upstreamKey: `${req.key}#${i}`,
          reason: primaryReason(issues),
          issues,
          payload: entry,
        });
      }
    });
    return { totalPages: envelope.value.total_pages, results, size: envelope.value.results.length };
  };
  progress.start("pages", 1);
  const first = await fetchPage(1);
  if (first === null) throw new Error("TMDB /tv/top_rated page 1 does not match its schema; cannot list series");
  const last = lastPageToFetch(first.totalPages, input.maxPages ?? undefined);
  progress.start("pages", last);
  progress.tick("pages");
  const rest: TmdbTopRatedResult[][] = [];
  const pageNumbers = Array.from({ length: Math.max(0, last - 1) }, (_, i) => i + 2);
  let pagesLost = 0;
  await forEachBounded(
    pageNumbers,
    deps.concurrency,
    async (page) => {
      const fetched = await fetchPage(page);
      if (fetched === null) pagesLost += 1;
      rest[page - 2] = fetched?.results ?? [];
    },
    deps.signal,
  );
  const pages = [first.results, ...Array.from(rest, (r) => r ?? [])];
  const seriesIds = dedupeSeriesIds(pages);
  if (input.ratings) {
    for (const entry of pages.flat()) {
      const rating = toListingRating(entry);
      if (rating && !input.ratings.has(entry.id)) input.ratings.set(entry.id, rating);
    }
  }
  const seriesLost = rejectedEntries + pagesLost * first.size;
  if (pagesLost > 0)
    deps.logger.warn({ pagesLost, seriesLost }, "listing pages stayed refused after their retries; their series are missing from this run");
  if (seriesLost > 0) deps.onSeriesLost?.(seriesLost);
  deps.logger.info({ pages: last, totalPages: first.totalPages, series: seriesIds.length }, "series listed");
  return { seriesIds, pages: last, totalPages: first.totalPages, entriesRejected: rejectedEntries, entriesLost: pagesLost * first.size };
}

/** A parse result, or the refusal of an answer that stayed refused by its body check (for the quarantine). */
type Refusable<T> = { ok: true; value: T } | { ok: false; reason: QuarantineReason; issues: RecordIssue[]; payload: unknown };

/** Awaits a checked fetch and parses its answer; a {@link RefusedAnswerError} becomes the refusal. */
async function fetchRefusable<T>(
  fetching: Promise<FetchedAnswer>,
  parse: (json: unknown) => { ok: true; value: T } | { ok: false; issues: RecordIssue[] },
): Promise<Refusable<T>> {
  let answer: FetchedAnswer;
  try {
    answer = await fetching;
  } catch (error) {
    if (error instanceof RefusedAnswerError) return { ok: false, reason: error.reason, issues: error.issues, payload: error.payload };
    throw error;
  }
  const parsed = parse(answer.json);
  return parsed.ok ? parsed : { ok: false, reason: primaryReason(parsed.issues), issues: parsed.issues, payload: answer.json ?? answer.text };
}
