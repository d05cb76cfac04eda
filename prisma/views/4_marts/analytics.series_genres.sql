-- One row per series × genre (the published version's genres).
SELECT series_id, genre_id, genre FROM staging.series_genre
