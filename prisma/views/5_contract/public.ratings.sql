-- The design's contract: ratings(series_id, imdb_rating, imdb_count, tomatoes_critic, tomatoes_critic_count,
-- metacritic, metacritic_count, metauser, metauser_count), latest known value per series; lower-bound flags after.
-- Stable: add columns at the end only.
SELECT series_id,
       imdb_rating, imdb_votes AS imdb_count,
       tomatoes_critic, tomatoes_critic_count,
       metacritic, metacritic_count,
       metauser, metauser_count,
       tomatoes_audience, tomatoes_audience_count,
       imdb_votes_is_lower_bound AS imdb_count_is_lower_bound,
       tomatoes_critic_count_is_lower_bound,
       metacritic_count_is_lower_bound,
       metauser_count_is_lower_bound,
       tomatoes_audience_count_is_lower_bound
FROM analytics.series_ratings
