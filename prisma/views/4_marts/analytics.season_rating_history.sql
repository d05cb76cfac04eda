-- Season-grain rating facts of succeeded runs (a site's season page, or the series page's season tile where the
-- season's page was not read), apart from the series-grain views. Provenance of each value: method (the strategy that
-- read the score), count_method (the one that read the count), page_url (the page it was read from), observed_at.
SELECT
  f.series_id,
  p.title,
  f.season_number,
  f.source_key                                       AS source,
  rs.name                                            AS source_name,
  f.run_id,
  r.finished_at                                      AS harvested_at,
  f.score,
  analytics.normalize_to_100(f.score, rs.scale_max)  AS score_normalized,
  f.vote_count,
  f.vote_count_is_lower_bound,
  f.method,
  f.count_method,
  f.page_url,
  f.observed_at
FROM season_rating_fact f
JOIN harvest_run r              ON r.run_id = f.run_id AND r.status = 'succeeded'
JOIN published_series_version p ON p.series_id = f.series_id
JOIN rating_source_dim rs       ON rs.source_key = f.source_key
