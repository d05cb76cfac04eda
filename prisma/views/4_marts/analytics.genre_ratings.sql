-- Latest known score per series × genre × source (the Tableau workbook's Rating Distribution Across Genres). Grain:
-- series × genre × source: a series with three genres is in three genres (by design), once in each.
SELECT
  c.series_id,
  c.title,
  c.release_year,
  g.genre,
  c.genre_keys,
  c.platform_keys,
  c.source,
  c.source_name,
  c.score_normalized,
  c.vote_count,
  c.vote_count_is_lower_bound
FROM analytics.compared_ratings c
JOIN staging.series_genre g ON g.series_id = c.series_id
