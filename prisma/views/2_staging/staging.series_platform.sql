-- The published version's watch providers: one row per series × region × platform × offer type (JustWatch data,
-- which TMDB asks to credit wherever it is shown).
SELECT sp.series_id, p.title, sp.region, pl.platform_id, pl.name AS platform, analytics.tmdb_image_url(pl.logo_path, 'w92') AS platform_logo_url,
       sp.offer_type, sp.display_priority, p.run_id, p.harvested_at
FROM published_series_version p
JOIN series_platform_version sp ON sp.series_id = p.series_id AND sp.run_id = p.run_id
JOIN platform_dim pl    ON pl.platform_id = sp.platform_id
