-- Data-quality views for Tableau and Grafana (issue 4).
--   * analytics.quality_checks: one row per harvest run × expectation, with the run's status and end time,
--     so a dashboard can chart pass/fail and observed values over runs (src/quality/expectations.ts).
--   * analytics.quarantine_summary: quarantined records per run × source × kind × reason, with the first
--     and last time one was stored (src/quality/quarantine.ts).
-- Both show every run whatever its status: a failed_quality run is exactly what they are for.

CREATE SCHEMA IF NOT EXISTS analytics;

CREATE VIEW analytics.quality_checks AS
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
JOIN harvest_run r ON r.run_id = q.run_id;

CREATE VIEW analytics.quarantine_summary AS
SELECT
  q.run_id,
  r.status             AS run_status,
  r.finished_at        AS run_finished_at,
  q.source,
  q.kind,
  q.reason,
  count(*)::int        AS record_count,
  min(q.created_at)    AS first_seen_at,
  max(q.created_at)    AS last_seen_at
FROM quarantine q
JOIN harvest_run r ON r.run_id = q.run_id
GROUP BY q.run_id, r.status, r.finished_at, q.source, q.kind, q.reason;
