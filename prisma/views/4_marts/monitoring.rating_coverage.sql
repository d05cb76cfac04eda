-- Per rating source: series the views show (published versions) with and without a latest (succeeded-run) rating.
SELECT rs.source_key AS source,
       (SELECT count(*) FROM published_series_version) - count(DISTINCT l.series_id) AS series_without_rating,
       count(DISTINCT l.series_id) AS series_with_rating
FROM rating_source_dim rs
LEFT JOIN intermediate.latest_rating l ON l.source = rs.source_key
GROUP BY rs.source_key
