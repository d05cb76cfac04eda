-- Incremental harvests (issue 11).
--
-- enrichment_state keeps, per series × source (tmdb details, omdb, rottentomatoes, metacritic), the "not found"
-- answers in a row (miss_count: the back-off grows with it) and the time the value is due again (due_at, written by
-- the pipeline from src/refresh/policy.ts; null = due now). Rows of source 'tmdb' record when the details were last
-- fetched.
ALTER TABLE "enrichment_state" ADD COLUMN "miss_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "enrichment_state" ADD COLUMN "due_at" TIMESTAMPTZ(3);
CREATE INDEX "enrichment_state_source_due_at_idx" ON "enrichment_state"("source", "due_at");

-- Snapshots of the latest known values, one per weekly harvest (a succeeded run that is not a top-up): for every series
-- of that run's catalogue (its series versions) and every rating source, the latest series-grain fact of a succeeded run
-- (weekly or top-up) finished by then. A run that refreshed a third of the catalogue still shows the other two thirds at
-- their last known values, so a trend over these rows moves with the ratings, not with the mix of refreshed series.
-- Grain: snapshot run × series × source; value_run_id / value_at say where the value comes from.
CREATE VIEW analytics.rating_snapshot AS
SELECT
  r.run_id                                           AS snapshot_run_id,
  r.finished_at                                      AS snapshot_at,
  (r.finished_at AT TIME ZONE 'UTC')::date           AS snapshot_date,
  v.series_id,
  v.title,
  rs.source_key                                      AS source,
  rs.name                                            AS source_name,
  l.score,
  analytics.normalized_score(rs.source_key, l.score) AS score_normalized,
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
WHERE r.status = 'succeeded' AND r.trigger <> 'topup' AND r.finished_at IS NOT NULL;

-- The trend per weekly harvest × source over the snapshot: mean and median normalised score (0–100) of the series with a
-- known value, how many series that is, and how many of those values that very run refreshed.
CREATE VIEW analytics.rating_trend AS
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
GROUP BY snapshot_run_id, snapshot_at, snapshot_date, source, source_name;
