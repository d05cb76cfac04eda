-- Harvest runs, for freshness and run-history panels.
SELECT run_id, started_at, finished_at, status::text AS status, trigger::text AS trigger, series_listed, series_loaded, facts_written,
       quarantined, resume_count, extract(epoch FROM (finished_at - started_at)) AS duration_seconds
FROM harvest_run
