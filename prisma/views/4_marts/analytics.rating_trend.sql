-- The trend per weekly harvest × source over the snapshot: mean and median normalised score (0–100) of the series with a
-- known value, how many series that is, and how many of those values that very run refreshed.
SELECT
  snapshot_run_id,
  snapshot_at,
  snapshot_date,
  source,
  source_name,
  count(*)::int                                                                    AS series_rated,
  count(*) FILTER (WHERE value_run_id = snapshot_run_id)::int                      AS series_refreshed_in_run,
  round(avg(score_normalized), 2)                                                  AS avg_score_normalized,
  round((percentile_cont(0.5) WITHIN GROUP (ORDER BY score_normalized))::numeric, 2) AS median_score_normalized,
  round(avg(value_age_days), 2)                                                    AS avg_value_age_days
FROM analytics.rating_snapshot
GROUP BY snapshot_run_id, snapshot_at, snapshot_date, source, source_name
