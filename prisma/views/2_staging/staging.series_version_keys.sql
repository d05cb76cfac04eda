-- Per series × succeeded run that loaded a version of it: that version's first-air year, and its genres and streaming
-- platforms (subscription, free or with ads) as delimited keys ('|Crime|Drama|', '|US:Netflix|GB:Netflix|'; '' when
-- none), which a filter matches with CONTAINS whatever the number of genres or platforms, so that no workbook sheet
-- joins a bridge view and fans out (docs/tableau.md). Per run, so a past snapshot is filtered by the genres and
-- platforms the series had then, not today's.
SELECT
  v.series_id,
  v.run_id,
  v.release_year,
  coalesce((SELECT '|' || string_agg(g.name, '|' ORDER BY g.name) || '|'
            FROM series_genre_version gv JOIN genre_dim g ON g.genre_id = gv.genre_id
            WHERE gv.series_id = v.series_id AND gv.run_id = v.run_id), '') AS genre_keys,
  coalesce((SELECT '|' || string_agg(DISTINCT sp.region || ':' || pl.name, '|') || '|'
            FROM series_platform sp JOIN platform_dim pl ON pl.platform_id = sp.platform_id
            WHERE sp.series_id = v.series_id AND sp.run_id = v.run_id AND sp.offer_type IN ('flatrate', 'free', 'ads')), '') AS platform_keys
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
