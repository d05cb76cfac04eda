/**
 * Domain records: what the sources produce after their upstream responses were parsed (zod) and mapped,
 * and what the loader writes. Independent of any upstream's field names.
 */
import ratingSourceFile from "./rating-sources.json" with { type: "json" };

/**
 * Rating sources (rows of `rating_source_dim`) and their scales:
 * - `tmdb`: TMDB vote average 0–10, count = votes
 * - `imdb`: IMDb rating 1.0–10.0 (from OMDb), count = votes
 * - `rotten_tomatoes_critics`: Tomatometer 0–100 %, count = reviews
 * - `rotten_tomatoes_audience`: Popcornmeter 0–100 %, count = ratings
 * - `metacritic_critics`: Metascore 0–100, count = reviews
 * - `metacritic_users`: Metacritic user score 0–10, count = ratings
 */
export const RATING_SOURCES = [
  "tmdb",
  "imdb",
  "rotten_tomatoes_critics",
  "rotten_tomatoes_audience",
  "metacritic_critics",
  "metacritic_users",
] as const;
export type RatingSourceKey = (typeof RATING_SOURCES)[number];

/**
 * A rating source as `src/rating-sources.json` defines it: the one definition of the scales, the minimum votes and
 * (through the scale's maximum) the normalisation. The table `rating_source_dim` holds the same rows (written by
 * the migrations `npm run views:migration` generates; test/analytics/views-as-code.test.ts keeps them equal), and
 * SQL reads them there: `analytics.normalized_score(source, score)` = round(score × 100 / scale_max, 2), so IMDb 9.5
 * reads 95 (not stretched from its minimum of 1); `analytics.weighting_min_votes(source)` = min_votes.
 */
export interface RatingSourceDefinition {
  source_key: string;
  name: string;
  /** tmdb, omdb, rottentomatoes or metacritic. */
  provider: string;
  /** Lowest and highest score on the source's own scale. */
  scale_min: number;
  scale_max: number;
  /** What the count counts: votes, reviews or ratings. */
  count_unit: string;
  /** The prior's weight in the vote-weighted score (m of IMDb's Top 250 formula), in count_unit. */
  min_votes: number;
}

/** Every rating source of `src/rating-sources.json`, in the file's order. */
export const RATING_SOURCE_DEFINITIONS: readonly RatingSourceDefinition[] = ratingSourceFile;

function scaleOf(key: RatingSourceKey): { min: number; max: number; minVotes: number } {
  const definition = RATING_SOURCE_DEFINITIONS.find((d) => d.source_key === key);
  if (!definition) throw new Error(`src/rating-sources.json has no rating source "${key}"`);
  return { min: definition.scale_min, max: definition.scale_max, minVotes: definition.min_votes };
}

/** Scale of each rating source: [min, max] on its own scale, and its minimum votes (from src/rating-sources.json). */
export const RATING_SCALES: Record<RatingSourceKey, { min: number; max: number; minVotes: number }> = {
  tmdb: scaleOf("tmdb"),
  imdb: scaleOf("imdb"),
  rotten_tomatoes_critics: scaleOf("rotten_tomatoes_critics"),
  rotten_tomatoes_audience: scaleOf("rotten_tomatoes_audience"),
  metacritic_critics: scaleOf("metacritic_critics"),
  metacritic_users: scaleOf("metacritic_users"),
};

/** A genre as TMDB lists it. */
export interface GenreRecord {
  id: number;
  name: string;
}

/** A network (broadcaster or streaming platform) as TMDB lists it. */
export interface NetworkRecord {
  id: number;
  name: string;
  originCountry: string | null;
  logoPath: string | null;
}

/** A streaming platform (TMDB watch provider; JustWatch data). `id` is TMDB's provider id, the same in every region. */
export interface PlatformRecord {
  id: number;
  name: string;
  logoPath: string | null;
}

/** How a platform offers a series: by subscription, free, free with ads, to rent or to buy (TMDB's offer types). */
export type OfferType = "flatrate" | "free" | "ads" | "rent" | "buy";

/** A series on a platform in a region, with one offer type. */
export interface AvailabilityRecord {
  platform: PlatformRecord;
  /** ISO 3166-1 alpha-2 region. */
  region: string;
  offerType: OfferType;
  /** TMDB's display order within the region (lower first), or null. */
  displayPriority: number | null;
}

/** A season from the details' `seasons[]` (season 0 is "Specials"). `airDate` is `YYYY-MM-DD` or null. */
export interface SeasonRecord {
  seasonNumber: number;
  /** TMDB season id. */
  tmdbSeasonId: number | null;
  name: string | null;
  airDate: string | null;
  episodeCount: number | null;
}

/**
 * A series as the loader writes it into `series_dim` and its bridges. Dates are `YYYY-MM-DD` strings
 * (calendar dates, no time zone); `releaseYear` is the year of `firstAirDate`.
 */
export interface SeriesRecord {
  /** TMDB series id. */
  id: number;
  title: string;
  originalTitle: string;
  firstAirDate: string | null;
  releaseYear: number | null;
  lastAirDate: string | null;
  status: string | null;
  seriesType: string | null;
  /** ISO 639-1 code. */
  originalLanguage: string | null;
  /** ISO 3166-1 alpha-2 codes. */
  originCountries: string[];
  numberOfSeasons: number | null;
  numberOfEpisodes: number | null;
  plot: string | null;
  /** `tt` followed by 7 or more digits, or null. */
  imdbId: string | null;
  tvdbId: number | null;
  /** Wikidata item id (`Q…`), or null. */
  wikidataId: string | null;
  popularity: number | null;
  /** TMDB image paths (`/abc.jpg`), relative to TMDB's image base URL and a size. */
  posterPath: string | null;
  backdropPath: string | null;
  genres: GenreRecord[];
  /** Original broadcasters, in TMDB's order; the first is the primary network. */
  networks: NetworkRecord[];
  /** Names of the series' creators (`created_by[]`), in TMDB's order. */
  creators: string[];
  /** Keyword names, in TMDB's order. */
  keywords: string[];
  /** Content rating (age classification) per region, e.g. `{region: "US", rating: "TV-MA"}`; one per region. */
  contentRatings: { region: string; rating: string }[];
  /** Streaming availability in the configured watch regions (`TMDB_WATCH_REGIONS`). */
  availability: AvailabilityRecord[];
  seasons: SeasonRecord[];
}

/**
 * One observed rating: a score on its source's scale (see {@link RATING_SCALES}) with its count.
 * `voteCountIsLowerBound` marks counts like "250,000+ Ratings".
 */
export interface RatingObservation {
  seriesId: number;
  source: RatingSourceKey;
  score: number;
  voteCount: number | null;
  voteCountIsLowerBound: boolean;
  /** `series` (the whole show's score) or `season`. */
  grain: "series" | "season";
  /** `api` for TMDB/OMDb; the scraper strategy that matched for the sites. */
  method: string;
  /** The scraper strategy that read the count, when not the score's (null or absent: the same as `method`). */
  countMethod?: string | null;
  /** The page the scraped value was read from (absolute URL); absent for TMDB/OMDb. */
  pageUrl?: string | null;
}

/**
 * A rating of one season (a site's season page, e.g. `/tv/<slug>/s05`): like {@link RatingObservation} at season
 * grain, for `season_rating_fact`. The season must be one the same run loaded from the details' `seasons[]`.
 */
export interface SeasonRatingObservation {
  seriesId: number;
  seasonNumber: number;
  source: RatingSourceKey;
  score: number;
  voteCount: number | null;
  voteCountIsLowerBound: boolean;
  /** The scraper strategy that matched. */
  method: string;
  /** The scraper strategy that read the count (null: no count). */
  countMethod?: string | null;
  /** The page the value was read from (absolute URL): the season's page, or the series page's season tile. */
  pageUrl?: string | null;
}

/** Why a record was quarantined; a small closed set, used as a metric label. */
export type QuarantineReason =
  | "invalid_json"
  | "not_json"
  | "empty_body"
  | "schema_mismatch"
  | "out_of_range"
  | "not_a_number"
  | "not_an_integer"
  | "invalid_date"
  | "invalid_id"
  | "unknown_genre"
  | "missing_field"
  | "inconsistent"
  | "upstream_error"
  /** An answer larger than its upstream's cap (src/http/client.ts): not read past the cap, never kept. */
  | "oversized_body";

/** A validation problem: where (dotted path) and what. */
export interface RecordIssue {
  path: string;
  message: string;
  reason: QuarantineReason;
}

/**
 * The upstream endpoint a quarantined answer came from (stored in the `quarantine.source` column and used as
 * a metric label; the stored values keep their names). An upstream endpoint, not a rating source: one TMDB
 * series answer carries several rating sources' data, and one rating source (Metacritic) has two.
 */
export type UpstreamEndpoint =
  "tmdb_genres" | "tmdb_changes" | "tmdb_top_rated" | "tmdb_series" | "omdb" | "wikidata" | "rottentomatoes" | "metacritic";
