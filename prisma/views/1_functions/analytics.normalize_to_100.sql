-- The one normalisation: a score on a scale from its minimum to scale_max, on 0–100 as score / scale_max × 100,
-- rounded to 2 decimals (IMDb 9.5 of 10 → 95.00). The scale's minimum is not subtracted: IMDb's 1–10 is not
-- stretched, so 9.5 reads 95 on every chart, as on IMDb itself. scale_max comes from rating_source_dim
-- (src/rating-sources.json). A plain expression, so PostgreSQL inlines it into the views that call it.
CREATE OR REPLACE FUNCTION analytics.normalize_to_100(score numeric, scale_max numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round(score * 100 / NULLIF(scale_max, 0), 2)
$$;
