-- Top-rated series per watch region × streaming platform (the Tableau workbook's Top-Rated Series by Platform).
-- Grain: region × platform × series, one row whatever the number of offers (subscription, free or with ads;
-- offer_types lists them). Ranked by the vote-weighted score on 0–100: IMDb's where known, else TMDB's
-- (ranking_source says which), with the count it rests on and its lower-bound flag; in_latest_listing as in
-- series_source_ratings.
WITH o AS (
  SELECT sp.region, sp.platform, sp.series_id, string_agg(sp.offer_type, ', ' ORDER BY sp.offer_type) AS offer_types
  FROM staging.series_platform sp
  WHERE sp.offer_type IN ('flatrate', 'free', 'ads')
  GROUP BY sp.region, sp.platform, sp.series_id
), s AS (
  SELECT o.region, o.platform, o.offer_types, o.series_id, p.title, p.release_year, k.genre_keys, k.platform_keys,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN 'imdb' ELSE 'tmdb' END                               AS ranking_source,
         coalesce(l.imdb_weighted, l.tmdb_weighted)                                                      AS weighted_score,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_score_normalized ELSE l.tmdb_score_normalized END AS score_normalized,
         CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes ELSE l.tmdb_votes END                   AS vote_count,
         coalesce(CASE WHEN l.imdb_weighted IS NOT NULL THEN l.imdb_votes_is_lower_bound
                       ELSE l.tmdb_votes_is_lower_bound END, false)                                     AS vote_count_is_lower_bound,
         p.run_id IN (SELECT run_id FROM staging.latest_listing_run)                                     AS in_latest_listing
  FROM o
  JOIN published_series_version p             ON p.series_id = o.series_id
  JOIN analytics.series_filter_keys k          ON k.series_id = p.series_id AND k.run_id = p.run_id
  LEFT JOIN intermediate.latest_ratings_wide l ON l.series_id = o.series_id
)
SELECT s.*, rank() OVER (PARTITION BY region, platform ORDER BY weighted_score DESC NULLS LAST, series_id)::int AS rank_in_platform
FROM s
