-- 0–100 on every source: score / the scale's maximum × 100, rounded to 2 decimals (IMDb 9.5 → 95.00).
--   tmdb (0–10) × 10 · imdb (1–10) × 10 · metacritic_users (0–10) × 10 ·
--   rotten_tomatoes_critics, rotten_tomatoes_audience (0–100 %) and metacritic_critics (0–100) as they are.
-- IMDb is not stretched from its minimum of 1: 9.5 reads 95 on every chart, as on IMDb itself. Unknown source: null.
CREATE OR REPLACE FUNCTION analytics.normalized_score(source text, score numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(CASE source
    WHEN 'tmdb' THEN score * 10
    WHEN 'imdb' THEN score * 10
    WHEN 'metacritic_users' THEN score * 10
    WHEN 'rotten_tomatoes_critics' THEN score
    WHEN 'rotten_tomatoes_audience' THEN score
    WHEN 'metacritic_critics' THEN score
  END, 2)
$$;
