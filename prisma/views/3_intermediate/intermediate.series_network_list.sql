-- The published version's networks per series, in TMDB's order, and the primary (first-listed) network.
SELECT series_id,
       string_agg(network, ', ' ORDER BY position) AS networks,
       max(network) FILTER (WHERE is_primary)       AS primary_network
FROM staging.series_network
GROUP BY series_id
