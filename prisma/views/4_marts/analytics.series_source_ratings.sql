-- Latest known score per series × source with the series' title, first-air year and filter keys (the Tableau
-- workbook's Multi-Source Rating Comparison and the profile's latest scores). Grain: series × source. rated_at is that
-- source's own date (the run that fetched the value), not the newest over all sources; in_latest_listing is false for
-- a series the latest weekly harvest did not list (kept with its last known values, no longer refreshed).
SELECT
  l.series_id,
  p.title,
  p.release_year,
  k.genre_keys,
  k.platform_keys,
  l.source,
  l.source_name,
  l.score,
  l.score_normalized,
  l.vote_count,
  coalesce(l.vote_count_is_lower_bound, false)                AS vote_count_is_lower_bound,
  l.harvested_at                                              AS rated_at,
  l.run_id                                                    AS rated_run_id,
  l.weighted_score,
  l.weighted_rank::int                                        AS weighted_rank,
  p.run_id IN (SELECT run_id FROM staging.latest_listing_run) AS in_latest_listing
FROM intermediate.latest_rating l
JOIN published_series_version p      ON p.series_id = l.series_id
JOIN analytics.series_filter_keys k   ON k.series_id = p.series_id AND k.run_id = p.run_id
