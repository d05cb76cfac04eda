-- Latest known fact per series × source (succeeded runs, series grain), with its vote-weighted score and rank among
-- the latest facts of that source (prior: their mean), and its provenance: method (api, or the scraper strategy that
-- read the score), count_method, page_url (the scraped page) and observed_at.
WITH l AS (
  SELECT DISTINCT ON (h.series_id, h.source) h.series_id, h.source, h.source_name, h.score, h.score_normalized, h.vote_count,
         h.vote_count_is_lower_bound, h.run_id, h.harvested_at, h.method, h.count_method, h.page_url, h.observed_at, h.min_votes
  FROM staging.series_rating_fact h
  ORDER BY h.series_id, h.source, h.harvested_at DESC NULLS LAST, h.run_id DESC
), p AS (
  SELECT l.*, round(avg(l.score_normalized) OVER (PARTITION BY l.source), 2) AS prior_mean FROM l
), w AS (
  SELECT p.*, analytics.weighted_score(p.score_normalized, p.vote_count, p.min_votes, p.prior_mean) AS weighted_score FROM p
)
SELECT series_id, source, score, vote_count, vote_count_is_lower_bound, run_id, harvested_at, source_name, score_normalized,
       min_votes, prior_mean, weighted_score,
       rank() OVER (PARTITION BY source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS weighted_rank,
       method, count_method, page_url, observed_at
FROM w
