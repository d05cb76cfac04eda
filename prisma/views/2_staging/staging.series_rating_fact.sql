-- Series-grain rating facts of succeeded runs, one row per series × source × run, with the source's name and the
-- score on the 0–100 scale and the source's minimum votes (rating_fact rows of grain 'season' are in no series-grain
-- model), and where each value came from: method (api, or the scraper strategy that read the score), count_method (the
-- strategy that read the count), page_url (the scraped page) and observed_at.
SELECT
  f.series_id,
  p.title,
  f.source_key                                       AS source,
  rs.name                                            AS source_name,
  f.run_id,
  r.finished_at                                      AS harvested_at,
  (r.finished_at AT TIME ZONE 'UTC')::date           AS harvest_date,
  f.score,
  rs.scale_max,
  analytics.normalize_to_100(f.score, rs.scale_max)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.grain,
  f.method,
  f.count_method,
  f.page_url,
  f.observed_at,
  rs.min_votes
FROM rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key
WHERE f.grain = 'series'
