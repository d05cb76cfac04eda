-- One row per harvest run × expectation, with the run's status and end time, so a dashboard can chart pass/fail and
-- observed values over runs (src/quality/expectations.ts). Every run whatever its status: a failed_quality run is
-- exactly what it is for.
SELECT
  q.run_id,
  r.status                                   AS run_status,
  r.started_at                               AS run_started_at,
  r.finished_at                              AS run_finished_at,
  q.check_name,
  split_part(q.check_name, '.', 1)           AS check_family,
  q.severity,
  q.observed,
  q.threshold,
  q.passed,
  (NOT q.passed AND q.severity = 'error')    AS is_error_failure,
  q.details,
  q.checked_at
FROM quality_check_result q
JOIN harvest_run r ON r.run_id = q.run_id
