-- Per series, the version of the latest succeeded run that loaded it: what analysts see of a series. A running,
-- failed, failed_quality, interrupted or abandoned run writes versions of its own that no view shows. Kept in schema
-- public under its old name because the loader reads it too (src/load/series-carry-forward.ts).
SELECT DISTINCT ON (v.series_id) v.*, r.finished_at AS harvested_at
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
ORDER BY v.series_id, r.finished_at DESC NULLS LAST, v.run_id DESC
