-- Top-rated series per region × platform × offer type, ranked by the vote-weighted score: IMDb's where known, else
-- TMDB's (ranking_source says which).
WITH s AS (
  SELECT sp.region, sp.platform_id, sp.platform, sp.offer_type, sp.series_id, p.title, p.release_year, g.genres, n.primary_network AS network,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END AS ranking_source,
         coalesce(l.imdb_weighted, l.tmdb_weighted)                       AS weighted_score,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_score_normalized ELSE l.tmdb_score_normalized END AS score_normalized,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes ELSE l.tmdb_votes END AS vote_count,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes_is_lower_bound ELSE l.tmdb_votes_is_lower_bound END AS vote_count_is_lower_bound
  FROM staging.series_platform sp
  JOIN published_series_version p                ON p.series_id = sp.series_id
  LEFT JOIN intermediate.series_genre_list g     ON g.series_id = sp.series_id
  LEFT JOIN intermediate.series_network_list n   ON n.series_id = sp.series_id
  LEFT JOIN intermediate.latest_ratings_wide l   ON l.series_id = sp.series_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform_id, offer_type ORDER BY weighted_score DESC NULLS LAST, series_id) AS rank_in_platform
FROM s
