-- A source's score on 0–100 (analytics.normalize_to_100 with the source's scale_max from rating_source_dim), for
-- dashboards and ad-hoc queries: normalized_score('imdb', 9.5) = 95.00. Unknown source: null. SECURITY DEFINER
-- (with a fixed search_path) so the reader role, which reads no table, can call it; it reveals only the scales.
CREATE OR REPLACE FUNCTION analytics.normalized_score(source text, score numeric) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT analytics.normalize_to_100(score, rs.scale_max) FROM public.rating_source_dim rs WHERE rs.source_key = source
$$;
