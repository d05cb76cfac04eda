/**
 * Key columns whose null ratio the post-load expectations watch (see src/quality/expectations.ts). A
 * dependency-free module so that the configuration loader can validate `QUALITY_NULL_THRESHOLDS` against it.
 *
 * - `first_air_date`, `original_language`, `imdb_id`: columns of the run's series versions (`series_version`,
 *   what the views show; an empty string counts as null);
 * - `imdb_rating`: the series has no known `imdb` rating fact (in the run or an earlier succeeded run).
 *
 * The title is not watched: it is NOT NULL and the boundary rules reject an empty one.
 */
export const NULL_RATIO_COLUMNS = ["first_air_date", "original_language", "imdb_id", "imdb_rating"] as const;

/** One of {@link NULL_RATIO_COLUMNS}. */
export type NullRatioColumn = (typeof NULL_RATIO_COLUMNS)[number];

/** True when `name` is one of {@link NULL_RATIO_COLUMNS}. */
export function isNullRatioColumn(name: string): name is NullRatioColumn {
  return (NULL_RATIO_COLUMNS as readonly string[]).includes(name);
}
