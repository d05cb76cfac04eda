-- Seasons of each series (the published version's; season 0 is "Specials").
SELECT series_id, title, season_number, season_name, air_date, episode_count, tmdb_season_id, run_id FROM staging.season
