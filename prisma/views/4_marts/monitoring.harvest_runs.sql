-- Every harvest run with its stage, counts, error text (already free of secrets) and duration (seconds).
SELECT run_id, status::text AS status, trigger::text AS trigger, started_at, finished_at, stage, series_listed, series_loaded, facts_written,
       quarantined, resume_count, error, extract(epoch FROM finished_at - started_at) AS duration_seconds
FROM harvest_run
