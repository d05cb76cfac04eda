/**
 * TMDB source: request descriptions and pure parsers/mappers for `/genre/tv/list`, `/tv/top_rated` and
 * `/tv/{id}?append_to_response=external_ids,watch/providers,content_ratings,keywords`
 * (https://developer.themoviedb.org/reference).
 *
 * I/O is done by the pipeline's staged fetcher through the `tmdb` UpstreamClient; everything here is pure.
 */
import type { z } from "zod";
import type { AvailabilityRecord, RatingObservation, RecordIssue, SeriesRecord } from "../../domain.js";
import { isValidCalendarDate, issuesFromZod } from "../../validation/issues.js";
import {
  genreListSchema,
  OFFER_TYPES,
  seriesDetailsSchema,
  tmdbErrorSchema,
  topRatedPageSchema,
  topRatedResultSchema,
  type TmdbError,
  type TmdbGenreList,
  type TmdbSeriesDetails,
  type TmdbTopRatedPage,
  type TmdbTopRatedResult,
} from "./schemas.js";

/** TMDB refuses pages above 500 (HTTP 400, status_code 22). */
export const TMDB_MAX_PAGE = 500;

/** A request to make: path relative to the API base, query parameters, and the staging key. */
export interface TmdbRequest {
  key: string;
  path: string;
  params: Record<string, string | number>;
}

/** `GET /genre/tv/list` in English. */
export const genreListRequest = (): TmdbRequest => ({ key: "genre/tv/list", path: "/genre/tv/list", params: { language: "en-US" } });

/** `GET /tv/top_rated?page=N` in English. */
export const topRatedRequest = (page: number): TmdbRequest => ({
  key: `tv/top_rated?page=${page}`,
  path: "/tv/top_rated",
  params: { language: "en-US", page },
});

/**
 * The sub-requests answered with the details in one call (`append_to_response`, up to 20 allowed): ids on other
 * sites, streaming availability per region (JustWatch data), content ratings per region and keywords.
 */
export const DETAILS_APPENDS = ["external_ids", "watch/providers", "content_ratings", "keywords"] as const;

/** `GET /tv/{id}?append_to_response=external_ids,watch/providers,content_ratings,keywords` in English. */
export const seriesDetailsRequest = (id: number): TmdbRequest => ({
  key: `tv/${id}`,
  path: `/tv/${id}`,
  params: { language: "en-US", append_to_response: DETAILS_APPENDS.join(",") },
});

/** Watch regions used when none are configured (`TMDB_WATCH_REGIONS` defaults to the same). */
export const DEFAULT_WATCH_REGIONS: readonly string[] = ["US"];

/** Result of a parse: the value, or the zod issues as {@link RecordIssue}s. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: RecordIssue[] };

/** Converts zod issues to record issues (`path` dotted; reasons as in {@link issuesFromZod}: not_a_number, missing_field, …). */
export function zodIssues(error: z.ZodError): RecordIssue[] {
  return issuesFromZod(error);
}

function parseWith<T>(schema: z.ZodType<T>, body: unknown): ParseResult<T> {
  const result = schema.safeParse(body);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: zodIssues(result.error) };
}

/** Parses `/genre/tv/list`. */
export const parseGenreList = (body: unknown): ParseResult<TmdbGenreList> => parseWith(genreListSchema, body);

/** Parses the `/tv/top_rated` envelope (results still unvalidated). */
export const parseTopRatedPage = (body: unknown): ParseResult<TmdbTopRatedPage> => parseWith(topRatedPageSchema, body);

/** Parses one `/tv/top_rated` result. */
export const parseTopRatedResult = (entry: unknown): ParseResult<TmdbTopRatedResult> => parseWith(topRatedResultSchema, entry);

/** Parses `/tv/{id}` details. */
export const parseSeriesDetails = (body: unknown): ParseResult<TmdbSeriesDetails> => parseWith(seriesDetailsSchema, body);

/** Parses a TMDB error body; null when the body is not one. */
export function parseTmdbError(body: unknown): TmdbError | null {
  const result = tmdbErrorSchema.safeParse(body);
  return result.success ? result.data : null;
}

/** The last page to fetch: min(total_pages, 500, maxPages). */
export function lastPageToFetch(totalPages: number, maxPages: number | undefined): number {
  return Math.max(0, Math.min(totalPages, TMDB_MAX_PAGE, maxPages ?? Number.POSITIVE_INFINITY));
}

/**
 * Dedupes series ids across pages, keeping the first (best-ranked) occurrence. Rankings move while we page,
 * so the same id can show up on two pages.
 */
export function dedupeSeriesIds(pages: TmdbTopRatedResult[][]): number[] {
  const seen = new Set<number>();
  const ids: number[] = [];
  for (const page of pages) {
    for (const result of page) {
      if (!seen.has(result.id)) {
        seen.add(result.id);
        ids.push(result.id);
      }
    }
  }
  return ids;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const INT32_MAX = 2_147_483_647;

/** `n` when it fits a PostgreSQL `integer` and is not negative, else null (an id or count the columns cannot hold). */
const storableInt = (n: number | null): number | null => (n !== null && Number.isInteger(n) && n >= 0 && n <= INT32_MAX ? n : null);

/** A `YYYY-MM-DD` that exists, else null: seasons are not checked by the series rules, and a bad date must not fail the load. */
const storableDate = (d: string | null): string | null => (d !== null && isValidCalendarDate(d) ? d : null);

/**
 * Streaming availability of `details` in `regions` (ISO 3166-1 alpha-2, upper case), one record per region × offer
 * type × platform; a platform listed twice for the same offer is kept once.
 */
export function toAvailability(details: TmdbSeriesDetails, regions: readonly string[]): AvailabilityRecord[] {
  const byRegion = details["watch/providers"]?.results ?? {};
  const out: AvailabilityRecord[] = [];
  for (const region of [...new Set(regions)]) {
    const offers = byRegion[region];
    if (!offers) continue;
    for (const offerType of OFFER_TYPES) {
      const seen = new Set<number>();
      for (const p of offers[offerType]) {
        if (seen.has(p.provider_id) || storableInt(p.provider_id) === null) continue;
        seen.add(p.provider_id);
        out.push({
          platform: { id: p.provider_id, name: p.provider_name, logoPath: p.logo_path },
          region,
          offerType,
          displayPriority: storableInt(p.display_priority),
        });
      }
    }
  }
  return out;
}

/** Content ratings, one per region: TMDB sometimes lists a region twice (DE 16 and 18); the first listed is kept. */
function firstPerRegion(details: TmdbSeriesDetails): { region: string; rating: string }[] {
  const byRegion = new Map<string, string>();
  for (const c of details.content_ratings?.results ?? []) {
    if (c.rating.trim() !== "" && !byRegion.has(c.iso_3166_1)) byRegion.set(c.iso_3166_1, c.rating);
  }
  return [...byRegion].map(([region, rating]) => ({ region, rating }));
}

/** Options of {@link toSeriesRecord}. */
export interface SeriesMappingOptions {
  /** Regions whose streaming availability is kept (default {@link DEFAULT_WATCH_REGIONS}). */
  watchRegions?: readonly string[];
}

/**
 * Maps TMDB details (with their appended sub-requests) to a {@link SeriesRecord}. Pure; ranges are checked later by
 * the quality rules. Absent sub-requests give empty lists; an empty content rating is no rating.
 */
export function toSeriesRecord(details: TmdbSeriesDetails, options: SeriesMappingOptions = {}): SeriesRecord {
  const yearMatch = details.first_air_date ? DATE.exec(details.first_air_date) : null;
  const ext = details.external_ids;
  return {
    id: details.id,
    title: details.name,
    originalTitle: details.original_name,
    firstAirDate: details.first_air_date,
    releaseYear: yearMatch ? Number(yearMatch[1]) : null,
    lastAirDate: details.last_air_date,
    status: details.status,
    seriesType: details.type,
    originalLanguage: details.original_language,
    originCountries: details.origin_country,
    numberOfSeasons: details.number_of_seasons,
    numberOfEpisodes: details.number_of_episodes,
    plot: details.overview,
    imdbId: ext?.imdb_id ?? null,
    tvdbId: ext?.tvdb_id ?? null,
    wikidataId: ext?.wikidata_id ?? null,
    popularity: details.popularity,
    posterPath: details.poster_path,
    backdropPath: details.backdrop_path,
    genres: details.genres.map((g) => ({ id: g.id, name: g.name })),
    networks: details.networks.map((n) => ({ id: n.id, name: n.name, originCountry: n.origin_country, logoPath: n.logo_path })),
    creators: details.created_by.map((c) => c.name),
    keywords: [...new Set((details.keywords?.results ?? []).map((k) => k.name))],
    contentRatings: firstPerRegion(details),
    availability: toAvailability(details, options.watchRegions ?? DEFAULT_WATCH_REGIONS),
    // One season per number (the first listed), as season_version is keyed by it.
    seasons: details.seasons
      .filter((x, i, all) => storableInt(x.season_number) !== null && all.findIndex((y) => y.season_number === x.season_number) === i)
      .map((season) => ({
        seasonNumber: season.season_number,
        tmdbSeasonId: storableInt(season.id),
        name: season.name,
        airDate: storableDate(season.air_date),
        episodeCount: storableInt(season.episode_count),
      })),
  };
}

/**
 * TMDB's own rating of a series (vote average 0–10, vote count), or null when nobody voted yet
 * (TMDB reports 0 / 0 then, which is no rating, not a zero).
 */
export function toTmdbRating(details: TmdbSeriesDetails): RatingObservation | null {
  if (details.vote_count === 0) return null;
  return {
    seriesId: details.id,
    source: "tmdb",
    score: details.vote_average,
    voteCount: details.vote_count,
    voteCountIsLowerBound: false,
    grain: "series",
    method: "api",
  };
}
