-- A TMDB image URL: TMDB's image base URL, a size (w342, w780, original …) and the stored path.
CREATE OR REPLACE FUNCTION analytics.tmdb_image_url(path text, size text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN path IS NULL OR path = '' THEN NULL ELSE 'https://image.tmdb.org/t/p/' || size || path END
$$;
