-- The published version's genres per series, as one text (by name) and as TMDB genre ids (ascending).
SELECT series_id, string_agg(genre, ', ' ORDER BY genre) AS genres, array_agg(genre_id ORDER BY genre_id) AS genre_ids
FROM staging.series_genre
GROUP BY series_id
