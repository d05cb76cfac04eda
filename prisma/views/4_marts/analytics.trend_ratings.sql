-- The per-run snapshot with each series' first-air year and filter keys as that run loaded it (the Tableau workbook's
-- Trends in Ratings Over Time). Grain: weekly harvest (snapshot_run_id: succeeded, not a top-up) × series × source,
-- the latest value known when that harvest finished, so a run that refreshed a third of the catalogue leaves the
-- others at their last value and the line moves with the ratings. snapshot_at is the run's end (two runs on one day
-- are two points); refreshed_in_run says whether that run fetched the value.
SELECT
  s.snapshot_run_id,
  s.snapshot_at,
  s.series_id,
  s.title,
  k.release_year,
  k.genre_keys,
  k.platform_keys,
  s.source,
  s.source_name,
  s.score_normalized,
  s.vote_count,
  coalesce(s.vote_count_is_lower_bound, false) AS vote_count_is_lower_bound,
  s.value_run_id,
  s.value_at,
  s.value_age_days,
  s.value_run_id = s.snapshot_run_id           AS refreshed_in_run
FROM analytics.rating_snapshot s
JOIN analytics.series_filter_keys k ON k.series_id = s.series_id AND k.run_id = s.snapshot_run_id
