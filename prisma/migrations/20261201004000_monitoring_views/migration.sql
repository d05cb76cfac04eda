-- Schema `monitoring`: read-only views of the operational figures that Grafana's "Database health" board shows
-- (row counts and sizes per table, nulls in key columns, rating coverage, the latest run per rating source,
-- enrichment per source, harvest runs). Grafana's PostgreSQL datasources log in as the reader role, which reads
-- no table (src/ops/reader-role.ts): it reads these views, which run with their owner's rights. A schema of
-- their own keeps Tableau's `analytics` list and the `export` command to the analysts' views.
CREATE SCHEMA IF NOT EXISTS monitoring;

-- Exact row counts of every table of schema public, tables that later migrations add included. SECURITY DEFINER
-- (with a fixed search_path, as PostgreSQL's CREATE FUNCTION documentation advises) so the reader sees counts,
-- never rows; table names come from the catalogue and are quoted with %I.
CREATE FUNCTION monitoring.table_row_counts() RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname
  LOOP
    table_name := t.relname;
    EXECUTE format('SELECT count(*) FROM public.%I', t.relname) INTO row_count;
    RETURN NEXT;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION monitoring.table_row_counts() FROM PUBLIC;

CREATE VIEW monitoring.table_row_counts AS
SELECT table_name, row_count FROM monitoring.table_row_counts();

-- Size of every table of schema public: with indexes and TOAST, and the table alone (bytes).
CREATE VIEW monitoring.table_sizes AS
SELECT relname::text AS table_name, pg_total_relation_size(relid) AS total_bytes, pg_relation_size(relid) AS heap_bytes
FROM pg_catalog.pg_statio_user_tables
WHERE schemaname = 'public';

-- Nulls in the key columns of series_dim (the current state the quality expectations check).
CREATE VIEW monitoring.series_key_nulls AS
SELECT count(*) AS series,
       count(*) FILTER (WHERE first_air_date IS NULL)    AS first_air_date_null,
       count(*) FILTER (WHERE original_language IS NULL) AS original_language_null,
       count(*) FILTER (WHERE imdb_id IS NULL)           AS imdb_id_null,
       count(*) FILTER (WHERE wikidata_id IS NULL)       AS wikidata_id_null,
       count(*) FILTER (WHERE plot IS NULL)              AS plot_null
FROM series_dim;

-- Per rating source: series with and without a latest (succeeded-run) rating.
CREATE VIEW monitoring.rating_coverage AS
SELECT rs.source_key AS source,
       (SELECT count(*) FROM series_dim) - count(DISTINCT l.series_id) AS series_without_rating,
       count(DISTINCT l.series_id) AS series_with_rating
FROM rating_source_dim rs
LEFT JOIN analytics.latest_ratings l ON l.source = rs.source_key
GROUP BY rs.source_key;

-- Per rating source: the latest run that wrote a series-grain fact, when it finished, and its facts.
CREATE VIEW monitoring.latest_run_per_source AS
SELECT f.source_key AS source, max(f.run_id) AS latest_run_id, max(r.finished_at) AS latest_run_finished_at,
       count(*) FILTER (WHERE f.run_id = (SELECT max(run_id) FROM rating_fact f2 WHERE f2.source_key = f.source_key)) AS facts_in_latest_run
FROM rating_fact f
JOIN harvest_run r ON r.run_id = f.run_id
GROUP BY f.source_key;

-- Per enrichment source (omdb, rottentomatoes, metacritic): last attempt and success, series found and not.
CREATE VIEW monitoring.enrichment_by_source AS
SELECT source, max(last_attempt_at) AS last_attempt_at, max(last_success_at) AS last_success_at,
       count(*) FILTER (WHERE status = 'found') AS found, count(*) FILTER (WHERE status <> 'found') AS not_found_or_failed
FROM enrichment_state
GROUP BY source;

-- Every harvest run with its stage, counts, error text (already free of secrets) and duration (seconds).
CREATE VIEW monitoring.harvest_runs AS
SELECT run_id, status::text AS status, trigger, started_at, finished_at, stage, series_listed, series_loaded, facts_written,
       quarantined, resume_count, error, extract(epoch FROM finished_at - started_at) AS duration_seconds
FROM harvest_run;
