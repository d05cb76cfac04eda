-- Nulls in the key columns of the series the views show (each series' published version, as the quality expectations
-- check each run's versions).
SELECT count(*) AS series,
       count(*) FILTER (WHERE first_air_date IS NULL)    AS first_air_date_null,
       count(*) FILTER (WHERE original_language IS NULL) AS original_language_null,
       count(*) FILTER (WHERE imdb_id IS NULL)           AS imdb_id_null,
       count(*) FILTER (WHERE wikidata_id IS NULL)       AS wikidata_id_null,
       count(*) FILTER (WHERE plot IS NULL)              AS plot_null
FROM published_series_version
