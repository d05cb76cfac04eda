-- The published version's seasons: one row per series × season (season 0 is "Specials").
SELECT s.series_id, p.title, s.season_number, s.name AS season_name, s.air_date, s.episode_count, s.tmdb_season_id, s.run_id
FROM published_series_version p
JOIN season_version s ON s.series_id = p.series_id AND s.run_id = p.run_id
