-- Generated from prisma/views/ by `npm run views:migration -- monitoring_published_series`: edit the files and generate a new migration, never this one.
--   changed views: monitoring.rating_coverage, monitoring.series_key_nulls

DROP VIEW monitoring.rating_coverage;
DROP VIEW monitoring.series_key_nulls;

CREATE SCHEMA IF NOT EXISTS monitoring;

-- prisma/views/4_marts/monitoring.rating_coverage.sql
-- Per rating source: series the views show (published versions) with and without a latest (succeeded-run) rating.
CREATE VIEW monitoring.rating_coverage AS
SELECT rs.source_key AS source,
       (SELECT count(*) FROM published_series_version) - count(DISTINCT l.series_id) AS series_without_rating,
       count(DISTINCT l.series_id) AS series_with_rating
FROM rating_source_dim rs
LEFT JOIN intermediate.latest_rating l ON l.source = rs.source_key
GROUP BY rs.source_key;

-- prisma/views/4_marts/monitoring.series_key_nulls.sql
-- Nulls in the key columns of the series the views show (each series' published version, as the quality expectations
-- check each run's versions).
CREATE VIEW monitoring.series_key_nulls AS
SELECT count(*) AS series,
       count(*) FILTER (WHERE first_air_date IS NULL)    AS first_air_date_null,
       count(*) FILTER (WHERE original_language IS NULL) AS original_language_null,
       count(*) FILTER (WHERE imdb_id IS NULL)           AS imdb_id_null,
       count(*) FILTER (WHERE wikidata_id IS NULL)       AS wikidata_id_null,
       count(*) FILTER (WHERE plot IS NULL)              AS plot_null
FROM published_series_version;
