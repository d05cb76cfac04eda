-- Vote-weighted score and rank per succeeded run × source, over the series rated in that run.
WITH f AS (
  SELECT h.run_id, h.harvested_at, h.series_id, h.title, h.source, h.score_normalized, h.vote_count, h.vote_count_is_lower_bound,
         h.min_votes,
         round(avg(h.score_normalized) OVER (PARTITION BY h.run_id, h.source), 2) AS prior_mean
  FROM staging.series_rating_fact h
), w AS (
  SELECT f.*, analytics.weighted_score(f.score_normalized, f.vote_count, f.min_votes, f.prior_mean) AS weighted_score FROM f
)
SELECT run_id, harvested_at, series_id, title, source, score_normalized, vote_count, vote_count_is_lower_bound, min_votes, prior_mean,
       weighted_score,
       rank() OVER (PARTITION BY run_id, source ORDER BY weighted_score DESC NULLS LAST, vote_count DESC NULLS LAST, series_id) AS rank_in_run,
       count(*) OVER (PARTITION BY run_id, source)::int AS series_ranked
FROM w
