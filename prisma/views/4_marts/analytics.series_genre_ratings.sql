-- Latest known score per series × genre × source (the Tableau workbook's Rating Distribution Across Genres). Grain:
-- series × genre × source: a series with three genres is in three genres (by design), once in each.
SELECT
  l.series_id,
  p.title,
  p.release_year,
  g.genre,
  k.genre_keys,
  k.platform_keys,
  l.source,
  l.source_name,
  l.score_normalized,
  l.vote_count,
  coalesce(l.vote_count_is_lower_bound, false) AS vote_count_is_lower_bound
FROM intermediate.latest_rating l
JOIN published_series_version p       ON p.series_id = l.series_id
JOIN analytics.series_filter_keys k   ON k.series_id = p.series_id AND k.run_id = p.run_id
JOIN staging.series_genre g           ON g.series_id = l.series_id
