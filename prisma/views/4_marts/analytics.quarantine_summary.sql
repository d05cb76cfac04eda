-- Quarantined records per run × source × kind × reason, with the first and last time one was stored
-- (src/quality/quarantine.ts). Every run whatever its status.
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
GROUP BY q.run_id, r.status, r.finished_at, q.source, q.kind, q.reason
