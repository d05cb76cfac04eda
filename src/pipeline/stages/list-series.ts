/**
 * Stage "list series": TMDB's genre list (the reference for genre ids, upserted into `genre_dim`) and the
 * series ids of `/tv/top_rated`, paged up to `maxPages` (TMDB: https://developer.themoviedb.org/reference/tv-series-top-rated-list).
 */
import type { PrismaClient } from "../../db/prisma.js";
import { forEachBounded } from "../../concurrency.js";
import type { UpstreamClient } from "../../http/client.js";
import { upsertGenres, type RowCounts } from "../../load/loader.js";
import type { RatingObservation } from "../../domain.js";
import type { TmdbTopRatedResult } from "../../sources/tmdb/schemas.js";
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
import type { AnswerStore } from "../answer-store.js";
import type { QuarantineSink, StageBase } from "./deps.js";

/** Dependencies of {@link listGenres}. */
export interface ListGenresDeps extends Omit<StageBase, "progress"> {
  prisma: PrismaClient;
  tmdb: UpstreamClient;
  answers: AnswerStore;
  quarantine: QuarantineSink;
}

/**
 * Fetches `/genre/tv/list` and upserts the genres. When the answer fails its schema (quarantined as drift),
 * the genres already known are the reference.
 * @throws Error when the list fails its schema and no genres are known yet
 */
export async function listGenres(deps: ListGenresDeps): Promise<{ knownGenreIds: Set<number>; rowsWritten: RowCounts }> {
  const req = genreListRequest();
  const answer = await deps.answers.fetch(deps.tmdb, req.key, req.path, req.params);
  const parsed = parseGenreList(answer.json);
  if (parsed.ok) {
    const rowsWritten = await upsertGenres(deps.prisma, parsed.value.genres);
    return { knownGenreIds: new Set(parsed.value.genres.map((g) => g.id)), rowsWritten };
  }
  deps.quarantine.drift({ endpoint: "tmdb_genres", upstreamKey: req.key, issues: parsed.issues, payload: answer.json ?? answer.text });
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

/** Output of {@link listSeries}: unique series ids in listing order, and the pages asked for. */
export interface SeriesListing {
  seriesIds: number[];
  pages: number;
  totalPages: number;
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
 * A page of the wrong shape is schema drift (its series are missing); an entry of the wrong shape is
 * rejected alone.
 * @throws Error when page 1 does not match its schema (nothing can be listed)
 */
export async function listSeries(deps: ListSeriesDeps, input: ListSeriesInput): Promise<SeriesListing> {
  const { progress } = deps;
  const fetchPage = async (page: number): Promise<{ totalPages: number; results: TmdbTopRatedResult[] } | null> => {
    const req = topRatedRequest(page);
    const answer = await deps.answers.fetch(deps.tmdb, req.key, req.path, req.params);
    progress.tick("pages");
    const envelope = parseTopRatedPage(answer.json);
    if (!envelope.ok) {
      deps.quarantine.drift({ endpoint: "tmdb_top_rated", upstreamKey: req.key, issues: envelope.issues, payload: answer.json ?? answer.text });
      return null;
    }
    const results: TmdbTopRatedResult[] = [];
    envelope.value.results.forEach((entry, i) => {
      const parsed = parseTopRatedResult(entry);
      if (parsed.ok) results.push(parsed.value);
      else
        deps.quarantine.reject({
          endpoint: "tmdb_top_rated",
          upstreamKey: `${req.key}#${i}`,
          reason: primaryReason(parsed.issues),
          issues: parsed.issues,
          payload: entry,
        });
    });
    return { totalPages: envelope.value.total_pages, results };
  };
  progress.start("pages", 1);
  const first = await fetchPage(1);
  if (first === null) throw new Error("TMDB /tv/top_rated page 1 does not match its schema; cannot list series");
  const last = lastPageToFetch(first.totalPages, input.maxPages ?? undefined);
  progress.start("pages", last);
  progress.tick("pages");
  const rest: TmdbTopRatedResult[][] = [];
  const pageNumbers = Array.from({ length: Math.max(0, last - 1) }, (_, i) => i + 2);
  await forEachBounded(
    pageNumbers,
    deps.concurrency,
    async (page) => {
      rest[page - 2] = (await fetchPage(page))?.results ?? [];
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
  deps.logger.info({ pages: last, totalPages: first.totalPages, series: seriesIds.length }, "series listed");
  return { seriesIds, pages: last, totalPages: first.totalPages };
}
