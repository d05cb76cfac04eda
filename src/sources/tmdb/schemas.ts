/**
 * zod schemas of the TMDB v3 responses the harvester uses (https://developer.themoviedb.org/reference).
 *
 * These check the *shape* (types, presence) of what we read; domain ranges (vote average 0–10, years, known
 * genre ids…) are checked afterwards by `src/quality/rules.ts`. Unknown fields are ignored, so TMDB adding
 * fields never breaks a harvest; renaming or retyping one we read does, and is reported as schema drift.
 */
import { z } from "zod";

/** TMDB sends `null`, `""` or omits optional strings; all three mean "unknown". */
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === "" ? null : v));

/** `GET /genre/tv/list` → `{genres: [{id, name}]}`. */
export const genreListSchema = z.object({
  genres: z.array(z.object({ id: z.number().int(), name: z.string() })),
});
export type TmdbGenreList = z.infer<typeof genreListSchema>;

/**
 * `GET /tv/top_rated?page=N` envelope. Results are validated one by one with {@link topRatedResultSchema}
 * so one bad entry is quarantined without losing the page.
 */
export const topRatedPageSchema = z.object({
  page: z.number().int().positive(),
  results: z.array(z.unknown()),
  total_pages: z.number().int().nonnegative(),
  total_results: z.number().int().nonnegative(),
});
export type TmdbTopRatedPage = z.infer<typeof topRatedPageSchema>;

/** One entry of `/tv/top_rated` `results[]`: only its id and name are used (details come from `/tv/{id}`). */
export const topRatedResultSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  vote_average: z.number().optional(),
  vote_count: z.number().optional(),
});
export type TmdbTopRatedResult = z.infer<typeof topRatedResultSchema>;

/** `networks[]` entry of `/tv/{id}`. */
export const networkSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  logo_path: optionalText,
  origin_country: optionalText,
});

/** `external_ids` as appended by `append_to_response=external_ids` (or `GET /tv/{id}/external_ids`). */
export const externalIdsSchema = z.object({
  imdb_id: optionalText,
  tvdb_id: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? null),
  wikidata_id: optionalText,
});

/** One offer of `watch/providers`: `{provider_id, provider_name, logo_path, display_priority}`. */
export const watchProviderSchema = z.object({
  provider_id: z.number().int(),
  provider_name: z.string(),
  logo_path: optionalText,
  display_priority: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? null),
});

/** The offer types of a `watch/providers` region, in the order they are stored. */
export const OFFER_TYPES = ["flatrate", "free", "ads", "rent", "buy"] as const;

/**
 * `watch/providers` as appended (JustWatch data): `{results: {<ISO 3166-1 region>: {link?, flatrate?, free?, ads?, rent?,
 * buy?}}}`; a region with no offer is absent, an absent offer type means none.
 */
export const watchProvidersSchema = z.object({
  results: z
    .record(
      z.string(),
      z.object({
        link: optionalText,
        flatrate: z.array(watchProviderSchema).default([]),
        free: z.array(watchProviderSchema).default([]),
        ads: z.array(watchProviderSchema).default([]),
        rent: z.array(watchProviderSchema).default([]),
        buy: z.array(watchProviderSchema).default([]),
      }),
    )
    .default({}),
});

/** `content_ratings` as appended: `{results: [{iso_3166_1, rating, descriptors?}]}`. */
export const contentRatingsSchema = z.object({
  results: z.array(z.object({ iso_3166_1: z.string(), rating: z.string() })).default([]),
});

/** `keywords` as appended for TV: `{results: [{id, name}]}` (movies use `keywords` instead of `results`). */
export const keywordsSchema = z.object({
  results: z.array(z.object({ id: z.number().int(), name: z.string() })).default([]),
});

/** `seasons[]` entry of `/tv/{id}`; season 0 is "Specials". */
export const seasonSchema = z.object({
  id: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? null),
  season_number: z.number().int(),
  name: optionalText,
  air_date: optionalText,
  episode_count: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? null),
});

/** `created_by[]` entry of `/tv/{id}`. */
export const creatorSchema = z.object({ id: z.number().int().optional(), name: z.string() });

/** `GET /tv/{id}?append_to_response=external_ids,watch/providers,content_ratings,keywords`. */
export const seriesDetailsSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  original_name: z.string(),
  first_air_date: optionalText,
  last_air_date: optionalText,
  genres: z.array(z.object({ id: z.number().int(), name: z.string() })),
  networks: z.array(networkSchema).default([]),
  number_of_seasons: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
  number_of_episodes: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
  status: optionalText,
  type: optionalText,
  original_language: optionalText,
  origin_country: z.array(z.string()).default([]),
  overview: optionalText,
  popularity: z
    .number()
    .nullish()
    .transform((v) => v ?? null),
  poster_path: optionalText,
  backdrop_path: optionalText,
  vote_average: z.number(),
  vote_count: z.number(),
  created_by: z.array(creatorSchema).default([]),
  seasons: z.array(seasonSchema).default([]),
  external_ids: externalIdsSchema.optional(),
  "watch/providers": watchProvidersSchema.optional(),
  content_ratings: contentRatingsSchema.optional(),
  keywords: keywordsSchema.optional(),
});
export type TmdbSeriesDetails = z.infer<typeof seriesDetailsSchema>;

/**
 * TMDB error body (https://developer.themoviedb.org/docs/errors): `{status_code, status_message, success?}`,
 * or a validation error `{errors: [..]}`.
 */
export const tmdbErrorSchema = z.union([
  z.object({ status_code: z.number().int(), status_message: z.string(), success: z.boolean().optional() }),
  z.object({ errors: z.array(z.string()) }),
]);
export type TmdbError = z.infer<typeof tmdbErrorSchema>;
