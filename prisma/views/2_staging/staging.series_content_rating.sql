-- The published version's content ratings: one row per series × region.
SELECT c.series_id, c.region, c.rating
FROM published_series_version p
JOIN series_content_rating_version c ON c.series_id = p.series_id AND c.run_id = p.run_id
