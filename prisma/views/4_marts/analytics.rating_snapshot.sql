-- Snapshots of the latest known values, one per weekly harvest (a succeeded run that is not a top-up): for every series
-- of that run's catalogue (its series versions) and every rating source, the latest series-grain fact of a succeeded run
-- (weekly or top-up) finished by then. A run that refreshed a third of the catalogue still shows the other two thirds at
-- their last known values, so a trend over these rows moves with the ratings, not with the mix of refreshed series.
-- Grain: snapshot run × series × source; value_run_id / value_at say where the value comes from.
SELECT
  r.run_id                                           AS snapshot_run_id,
  r.finished_at                                      AS snapshot_at,
  (r.finished_at AT TIME ZONE 'UTC')::date           AS snapshot_date,
  v.series_id,
  v.title,
  rs.source_key                                      AS source,
  rs.name                                            AS source_name,
  l.score,
  analytics.normalize_to_100(l.score, rs.scale_max)  AS score_normalized,
  l.vote_count,
  l.vote_count_is_lower_bound,
  l.run_id                                           AS value_run_id,
  l.finished_at                                      AS value_at,
  round((extract(epoch FROM r.finished_at - l.finished_at) / 86400)::numeric, 2) AS value_age_days
FROM harvest_run r
JOIN series_version v ON v.run_id = r.run_id
CROSS JOIN rating_source_dim rs
JOIN LATERAL (
  SELECT f.score, f.vote_count, f.vote_count_is_lower_bound, f.run_id, fr.finished_at
  FROM rating_fact f
  JOIN harvest_run fr ON fr.run_id = f.run_id AND fr.status = 'succeeded'
  WHERE f.series_id = v.series_id AND f.source_key = rs.source_key AND f.grain = 'series' AND fr.finished_at <= r.finished_at
  ORDER BY fr.finished_at DESC, f.run_id DESC
  LIMIT 1
) l ON true
WHERE r.status = 'succeeded' AND r.trigger <> 'topup' AND r.finished_at IS NOT NULL
