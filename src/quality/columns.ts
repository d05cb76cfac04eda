/**
 * Key columns whose null ratio the post-load expectations watch (see src/quality/expectations.ts). A
 * dependency-free module so that the configuration loader can validate `QUALITY_NULL_THRESHOLDS` against it.
 *
 * - `title`, `first_air_date`, `original_language`, `imdb_id`: columns of `series_dim` (an empty string
 *   counts as null);
 * - `imdb_rating`: the series has no `imdb` rating fact in the run.
 */
export const NULL_RATIO_COLUMNS = ["title", "first_air_date", "original_language", "imdb_id", "imdb_rating"] as const;

/** One of {@link NULL_RATIO_COLUMNS}. */
export type NullRatioColumn = (typeof NULL_RATIO_COLUMNS)[number];

/** True when `name` is one of {@link NULL_RATIO_COLUMNS}. */
export function isNullRatioColumn(name: string): name is NullRatioColumn {
  return (NULL_RATIO_COLUMNS as readonly string[]).includes(name);
}
