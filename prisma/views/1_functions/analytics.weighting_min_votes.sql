-- The weight of the prior in the vote-weighted score, in the source's count unit: the "minimum votes" m of IMDb's
-- Top 250 formula. IMDb 25,000 votes (the figure IMDb published for its Top 250), TMDB 250 votes, Tomatometer 20
-- reviews, Popcornmeter 1,000 ratings, Metascore 10 reviews, Metacritic user score 100 ratings.
CREATE OR REPLACE FUNCTION analytics.weighting_min_votes(source text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE source
    WHEN 'tmdb' THEN 250
    WHEN 'imdb' THEN 25000
    WHEN 'rotten_tomatoes_critics' THEN 20
    WHEN 'rotten_tomatoes_audience' THEN 1000
    WHEN 'metacritic_critics' THEN 10
    WHEN 'metacritic_users' THEN 100
  END
$$;
