-- CreateTable
CREATE TABLE "series_version" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "original_title" TEXT NOT NULL,
    "first_air_date" DATE,
    "release_year" INTEGER,
    "last_air_date" DATE,
    "status" TEXT,
    "series_type" TEXT,
    "original_language" TEXT,
    "origin_countries" TEXT[],
    "number_of_seasons" INTEGER,
    "number_of_episodes" INTEGER,
    "plot" TEXT,
    "imdb_id" TEXT,
    "tvdb_id" INTEGER,
    "wikidata_id" TEXT,
    "popularity" DOUBLE PRECISION,
    "poster_path" TEXT,
    "backdrop_path" TEXT,
    "creators" TEXT[],
    "keywords" TEXT[],
    "loaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "series_version_pkey" PRIMARY KEY ("series_id","run_id")
);

-- CreateTable
CREATE TABLE "series_genre_version" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "genre_id" INTEGER NOT NULL,

    CONSTRAINT "series_genre_version_pkey" PRIMARY KEY ("series_id","run_id","genre_id")
);

-- CreateTable
CREATE TABLE "series_network_version" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "network_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "series_network_version_pkey" PRIMARY KEY ("series_id","run_id","network_id")
);

-- CreateTable
CREATE TABLE "platform_dim" (
    "platform_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "logo_path" TEXT,

    CONSTRAINT "platform_dim_pkey" PRIMARY KEY ("platform_id")
);

-- CreateTable
CREATE TABLE "series_platform" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "platform_id" INTEGER NOT NULL,
    "region" TEXT NOT NULL,
    "offer_type" TEXT NOT NULL,
    "display_priority" INTEGER,

    CONSTRAINT "series_platform_pkey" PRIMARY KEY ("series_id","run_id","region","offer_type","platform_id")
);

-- CreateTable
CREATE TABLE "series_content_rating" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "region" TEXT NOT NULL,
    "rating" TEXT NOT NULL,

    CONSTRAINT "series_content_rating_pkey" PRIMARY KEY ("series_id","run_id","region")
);

-- CreateTable
CREATE TABLE "season_dim" (
    "series_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "season_number" INTEGER NOT NULL,
    "tmdb_season_id" INTEGER,
    "name" TEXT,
    "air_date" DATE,
    "episode_count" INTEGER,

    CONSTRAINT "season_dim_pkey" PRIMARY KEY ("series_id","run_id","season_number")
);

-- CreateTable
CREATE TABLE "season_rating_fact" (
    "season_rating_fact_id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "series_id" INTEGER NOT NULL,
    "season_number" INTEGER NOT NULL,
    "source_key" TEXT NOT NULL,
    "score" DECIMAL(6,2) NOT NULL,
    "vote_count" INTEGER,
    "vote_count_is_lower_bound" BOOLEAN NOT NULL DEFAULT false,
    "method" TEXT NOT NULL,
    "observed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "season_rating_fact_pkey" PRIMARY KEY ("season_rating_fact_id")
);

-- CreateIndex
CREATE INDEX "series_version_run_id_idx" ON "series_version"("run_id");

-- CreateIndex
CREATE INDEX "series_genre_version_genre_id_idx" ON "series_genre_version"("genre_id");

-- CreateIndex
CREATE INDEX "series_network_version_network_id_idx" ON "series_network_version"("network_id");

-- CreateIndex
CREATE INDEX "series_platform_platform_id_idx" ON "series_platform"("platform_id");

-- CreateIndex
CREATE INDEX "season_rating_fact_run_id_idx" ON "season_rating_fact"("run_id");

-- CreateIndex
CREATE UNIQUE INDEX "season_rating_fact_series_id_season_number_source_key_run_i_key" ON "season_rating_fact"("series_id", "season_number", "source_key", "run_id");

-- AddForeignKey
ALTER TABLE "series_version" ADD CONSTRAINT "series_version_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_version" ADD CONSTRAINT "series_version_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_genre_version" ADD CONSTRAINT "series_genre_version_series_id_run_id_fkey" FOREIGN KEY ("series_id", "run_id") REFERENCES "series_version"("series_id", "run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_genre_version" ADD CONSTRAINT "series_genre_version_genre_id_fkey" FOREIGN KEY ("genre_id") REFERENCES "genre_dim"("genre_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_network_version" ADD CONSTRAINT "series_network_version_series_id_run_id_fkey" FOREIGN KEY ("series_id", "run_id") REFERENCES "series_version"("series_id", "run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_network_version" ADD CONSTRAINT "series_network_version_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "network_dim"("network_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_platform" ADD CONSTRAINT "series_platform_series_id_run_id_fkey" FOREIGN KEY ("series_id", "run_id") REFERENCES "series_version"("series_id", "run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_platform" ADD CONSTRAINT "series_platform_platform_id_fkey" FOREIGN KEY ("platform_id") REFERENCES "platform_dim"("platform_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_content_rating" ADD CONSTRAINT "series_content_rating_series_id_run_id_fkey" FOREIGN KEY ("series_id", "run_id") REFERENCES "series_version"("series_id", "run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "season_dim" ADD CONSTRAINT "season_dim_series_id_run_id_fkey" FOREIGN KEY ("series_id", "run_id") REFERENCES "series_version"("series_id", "run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "season_rating_fact" ADD CONSTRAINT "season_rating_fact_series_id_run_id_season_number_fkey" FOREIGN KEY ("series_id", "run_id", "season_number") REFERENCES "season_dim"("series_id", "run_id", "season_number") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "season_rating_fact" ADD CONSTRAINT "season_rating_fact_source_key_fkey" FOREIGN KEY ("source_key") REFERENCES "rating_source_dim"("source_key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Backfill (hand-written): the state loaded before versions existed becomes the version of the run that last
-- loaded each series. If that run did not succeed, the series stays out of the views until a succeeded run
-- loads it again: what it showed then cannot be told apart from what the failed run wrote.
INSERT INTO "series_version" ("series_id", "run_id", "title", "original_title", "first_air_date", "release_year", "last_air_date",
  "status", "series_type", "original_language", "origin_countries", "number_of_seasons", "number_of_episodes", "plot", "imdb_id",
  "tvdb_id", "wikidata_id", "popularity", "poster_path", "creators", "keywords", "loaded_at")
SELECT "series_id", "last_seen_run_id", "title", "original_title", "first_air_date", "release_year", "last_air_date", "status",
  "series_type", "original_language", "origin_countries", "number_of_seasons", "number_of_episodes", "plot", "imdb_id", "tvdb_id",
  "wikidata_id", "popularity", "poster_path", '{}', '{}', "updated_at"
FROM "series_dim" WHERE "last_seen_run_id" IN (SELECT "run_id" FROM "harvest_run");
INSERT INTO "series_genre_version" ("series_id", "run_id", "genre_id")
SELECT sg."series_id", s."last_seen_run_id", sg."genre_id" FROM "series_genre" sg JOIN "series_version" v ON v."series_id" = sg."series_id"
JOIN "series_dim" s ON s."series_id" = sg."series_id" AND s."last_seen_run_id" = v."run_id";
INSERT INTO "series_network_version" ("series_id", "run_id", "network_id", "position")
SELECT sn."series_id", s."last_seen_run_id", sn."network_id", sn."position" FROM "series_network" sn JOIN "series_version" v ON v."series_id" = sn."series_id"
JOIN "series_dim" s ON s."series_id" = sn."series_id" AND s."last_seen_run_id" = v."run_id";
