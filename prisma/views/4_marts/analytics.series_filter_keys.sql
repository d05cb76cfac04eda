-- Per series × succeeded run that loaded a version of it: that version's first-air year, and its genres and streaming
-- platforms (subscription, free or with ads, in any watch region) as delimited keys ('|Crime|Drama|',
-- '|US:Netflix|GB:Netflix|'; '' when none). A filter matches them with CONTAINS whatever the number of genres or
-- platforms, so no chart joins a bridge view and fans out (the Tableau workbook's data sources carry them; see
-- docs/tableau.md). Per run, so a past snapshot is filtered by the genres and platforms the series had then.
SELECT
  v.series_id,
  v.run_id,
  v.release_year,
  coalesce((SELECT '|' || string_agg(g.name, '|' ORDER BY g.name) || '|'
            FROM series_genre_version gv JOIN genre_dim g ON g.genre_id = gv.genre_id
            WHERE gv.series_id = v.series_id AND gv.run_id = v.run_id), '') AS genre_keys,
  coalesce((SELECT '|' || string_agg(DISTINCT ph.region || ':' || ph.platform, '|') || '|'
            FROM analytics.platform_history ph
            WHERE ph.series_id = v.series_id AND ph.run_id = v.run_id AND ph.offer_type IN ('flatrate', 'free', 'ads')), '') AS platform_keys
FROM series_version v
JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
