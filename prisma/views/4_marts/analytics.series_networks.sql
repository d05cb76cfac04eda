-- One row per series × network (original broadcaster); is_primary marks the network TMDB lists first.
SELECT series_id, network_id, network, network_country, is_primary, position FROM staging.series_network
