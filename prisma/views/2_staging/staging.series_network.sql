-- The published version's networks (original broadcasters): one row per series × network; is_primary marks the
-- network TMDB lists first.
SELECT nv.series_id, n.network_id, n.name AS network, n.origin_country AS network_country, nv.position = 0 AS is_primary, nv.position
FROM published_series_version p
JOIN series_network_version nv ON nv.series_id = p.series_id AND nv.run_id = p.run_id
JOIN network_dim n             ON n.network_id = nv.network_id
