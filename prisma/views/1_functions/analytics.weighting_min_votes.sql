-- The weight of the prior in the vote-weighted score, in the source's count unit: the "minimum votes" m of IMDb's
-- Top 250 formula, rating_source_dim.min_votes (src/rating-sources.json). Unknown source: null. SECURITY DEFINER for
-- the reader role, as analytics.normalized_score.
CREATE OR REPLACE FUNCTION analytics.weighting_min_votes(source text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT rs.min_votes FROM public.rating_source_dim rs WHERE rs.source_key = source
$$;
