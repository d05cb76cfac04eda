-- The design's contract: series(series_id, title, release_year, genres, language, network, plot). Stable: analysts'
-- workbooks are built on these columns; add columns at the end only.
SELECT series_id, title, release_year, genres, language, network, plot FROM analytics.series_ratings
