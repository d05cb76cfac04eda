-- The published version's genres: one row per series × genre.
SELECT gv.series_id, g.genre_id, g.name AS genre
FROM published_series_version p
JOIN series_genre_version gv ON gv.series_id = p.series_id AND gv.run_id = p.run_id
JOIN genre_dim g             ON g.genre_id = gv.genre_id
