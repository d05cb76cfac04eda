-- Bayesian average on the 0–100 scale: WR = (v·R + m·C) / (v + m), R the series' normalized score, v its count
-- (an unknown count counts as 0, so the score falls back to the prior), m = the source's minimum votes, C the prior
-- (the mean normalized score of the source over the series ranked together). Rounded to 2 decimals.
CREATE OR REPLACE FUNCTION analytics.weighted_score(score_normalized numeric, vote_count integer, min_votes integer, prior_mean numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round((coalesce(vote_count, 0) * score_normalized + min_votes * prior_mean) / NULLIF(coalesce(vote_count, 0) + min_votes, 0), 2)
$$;
