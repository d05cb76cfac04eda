-- Minimum votes per rating source (the prior's weight of the vote-weighted score) move from the CASE inside
-- analytics.weighting_min_votes into rating_source_dim, next to the scale they belong with. src/rating-sources.json
-- is the one definition: TypeScript imports it, and the migrations `npm run views:migration` generates keep this
-- table equal to it (the values below are that file's at the time of this migration).
ALTER TABLE "rating_source_dim" ADD COLUMN "min_votes" INTEGER;
UPDATE "rating_source_dim" SET "min_votes" = CASE "source_key"
  WHEN 'tmdb' THEN 250
  WHEN 'imdb' THEN 25000
  WHEN 'rotten_tomatoes_critics' THEN 20
  WHEN 'rotten_tomatoes_audience' THEN 1000
  WHEN 'metacritic_critics' THEN 10
  WHEN 'metacritic_users' THEN 100
END;
ALTER TABLE "rating_source_dim" ALTER COLUMN "min_votes" SET NOT NULL;
