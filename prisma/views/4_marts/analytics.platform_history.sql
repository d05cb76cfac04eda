-- Availability in every succeeded run: a series leaving a platform is a row with is_current = false and no current
-- row for the same series × region × platform × offer type.
SELECT sp.series_id, sp.region, pl.platform_id, pl.name AS platform, sp.offer_type, sp.run_id, r.finished_at AS harvested_at,
       EXISTS (SELECT 1 FROM published_series_version p WHERE p.series_id = sp.series_id AND p.run_id = sp.run_id) AS is_current
FROM series_platform_version sp
JOIN harvest_run r   ON r.run_id = sp.run_id AND r.status = 'succeeded'
JOIN platform_dim pl ON pl.platform_id = sp.platform_id
