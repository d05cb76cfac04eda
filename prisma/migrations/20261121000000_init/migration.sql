-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "harvest_run_status" AS ENUM ('running', 'succeeded', 'failed', 'failed_quality');

-- CreateTable
CREATE TABLE "harvest_run" (
    "run_id" SERIAL NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "harvest_run_status" NOT NULL DEFAULT 'running',
    "trigger" TEXT NOT NULL DEFAULT 'cli',
    "options" JSONB NOT NULL DEFAULT '{}',
    "stage" TEXT,
    "series_listed" INTEGER NOT NULL DEFAULT 0,
    "series_loaded" INTEGER NOT NULL DEFAULT 0,
    "facts_written" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "resume_count" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB,
    "error" TEXT,

    CONSTRAINT "harvest_run_pkey" PRIMARY KEY ("run_id")
);

-- CreateTable
CREATE TABLE "staged_response" (
    "run_id" INTEGER NOT NULL,
    "upstream" TEXT NOT NULL,
    "request_key" TEXT NOT NULL,
    "http_status" INTEGER NOT NULL,
    "payload" JSONB,
    "body_text" TEXT,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staged_response_pkey" PRIMARY KEY ("run_id","upstream","request_key")
);

-- CreateTable
CREATE TABLE "series_dim" (
    "series_id" INTEGER NOT NULL,
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
    "first_seen_run_id" INTEGER NOT NULL,
    "last_seen_run_id" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "series_dim_pkey" PRIMARY KEY ("series_id")
);

-- CreateTable
CREATE TABLE "genre_dim" (
    "genre_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "genre_dim_pkey" PRIMARY KEY ("genre_id")
);

-- CreateTable
CREATE TABLE "network_dim" (
    "network_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "origin_country" TEXT,
    "logo_path" TEXT,

    CONSTRAINT "network_dim_pkey" PRIMARY KEY ("network_id")
);

-- CreateTable
CREATE TABLE "series_genre" (
    "series_id" INTEGER NOT NULL,
    "genre_id" INTEGER NOT NULL,

    CONSTRAINT "series_genre_pkey" PRIMARY KEY ("series_id","genre_id")
);

-- CreateTable
CREATE TABLE "series_network" (
    "series_id" INTEGER NOT NULL,
    "network_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "series_network_pkey" PRIMARY KEY ("series_id","network_id")
);

-- CreateTable
CREATE TABLE "rating_source_dim" (
    "source_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "scale_min" DECIMAL(6,2) NOT NULL,
    "scale_max" DECIMAL(6,2) NOT NULL,
    "count_unit" TEXT NOT NULL,

    CONSTRAINT "rating_source_dim_pkey" PRIMARY KEY ("source_key")
);

-- CreateTable
CREATE TABLE "rating_fact" (
    "rating_fact_id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "series_id" INTEGER NOT NULL,
    "source_key" TEXT NOT NULL,
    "score" DECIMAL(6,2) NOT NULL,
    "vote_count" INTEGER,
    "vote_count_is_lower_bound" BOOLEAN NOT NULL DEFAULT false,
    "grain" TEXT NOT NULL DEFAULT 'series',
    "method" TEXT NOT NULL DEFAULT 'api',
    "observed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rating_fact_pkey" PRIMARY KEY ("rating_fact_id")
);

-- CreateTable
CREATE TABLE "omdb_budget" (
    "day" DATE NOT NULL,
    "requests_used" INTEGER NOT NULL DEFAULT 0,
    "limit_reached_at" TIMESTAMPTZ(3),

    CONSTRAINT "omdb_budget_pkey" PRIMARY KEY ("day")
);

-- CreateTable
CREATE TABLE "enrichment_state" (
    "series_id" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "detail" TEXT,
    "last_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_success_at" TIMESTAMPTZ(3),

    CONSTRAINT "enrichment_state_pkey" PRIMARY KEY ("series_id","source")
);

-- CreateTable
CREATE TABLE "rating_page" (
    "series_id" INTEGER NOT NULL,
    "site" TEXT NOT NULL,
    "url" TEXT,
    "method" TEXT NOT NULL,
    "first_resolved_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_confirmed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rating_page_pkey" PRIMARY KEY ("series_id","site")
);

-- CreateTable
CREATE TABLE "rating_page_override" (
    "series_id" INTEGER NOT NULL,
    "site" TEXT NOT NULL,
    "url" TEXT,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "rating_page_override_pkey" PRIMARY KEY ("series_id","site")
);

-- CreateTable
CREATE TABLE "scrape_event" (
    "scrape_event_id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "site" TEXT NOT NULL,
    "series_id" INTEGER,
    "kind" TEXT NOT NULL,
    "strategy" TEXT,
    "url" TEXT,
    "detail" TEXT,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "scrape_event_pkey" PRIMARY KEY ("scrape_event_id")
);

-- CreateTable
CREATE TABLE "quarantine" (
    "quarantine_id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "upstream_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'rejected',
    "reason" TEXT NOT NULL,
    "issues" JSONB NOT NULL,
    "payload" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quarantine_pkey" PRIMARY KEY ("quarantine_id")
);

-- CreateTable
CREATE TABLE "quality_check_result" (
    "quality_check_result_id" BIGSERIAL NOT NULL,
    "run_id" INTEGER NOT NULL,
    "check_name" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "observed" DOUBLE PRECISION,
    "threshold" TEXT,
    "passed" BOOLEAN NOT NULL,
    "details" TEXT,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quality_check_result_pkey" PRIMARY KEY ("quality_check_result_id")
);

-- CreateIndex
CREATE INDEX "harvest_run_status_finished_at_idx" ON "harvest_run"("status", "finished_at");

-- CreateIndex
CREATE INDEX "series_dim_imdb_id_idx" ON "series_dim"("imdb_id");

-- CreateIndex
CREATE INDEX "series_genre_genre_id_idx" ON "series_genre"("genre_id");

-- CreateIndex
CREATE INDEX "series_network_network_id_idx" ON "series_network"("network_id");

-- CreateIndex
CREATE INDEX "rating_fact_run_id_idx" ON "rating_fact"("run_id");

-- CreateIndex
CREATE INDEX "rating_fact_source_key_idx" ON "rating_fact"("source_key");

-- CreateIndex
CREATE UNIQUE INDEX "rating_fact_series_id_source_key_run_id_key" ON "rating_fact"("series_id", "source_key", "run_id");

-- CreateIndex
CREATE INDEX "enrichment_state_source_last_success_at_idx" ON "enrichment_state"("source", "last_success_at");

-- CreateIndex
CREATE INDEX "scrape_event_run_id_site_kind_idx" ON "scrape_event"("run_id", "site", "kind");

-- CreateIndex
CREATE INDEX "quarantine_run_id_source_idx" ON "quarantine"("run_id", "source");

-- CreateIndex
CREATE UNIQUE INDEX "quality_check_result_run_id_check_name_key" ON "quality_check_result"("run_id", "check_name");

-- AddForeignKey
ALTER TABLE "staged_response" ADD CONSTRAINT "staged_response_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_genre" ADD CONSTRAINT "series_genre_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_genre" ADD CONSTRAINT "series_genre_genre_id_fkey" FOREIGN KEY ("genre_id") REFERENCES "genre_dim"("genre_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_network" ADD CONSTRAINT "series_network_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "series_network" ADD CONSTRAINT "series_network_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "network_dim"("network_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rating_fact" ADD CONSTRAINT "rating_fact_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rating_fact" ADD CONSTRAINT "rating_fact_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rating_fact" ADD CONSTRAINT "rating_fact_source_key_fkey" FOREIGN KEY ("source_key") REFERENCES "rating_source_dim"("source_key") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrichment_state" ADD CONSTRAINT "enrichment_state_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rating_page" ADD CONSTRAINT "rating_page_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "series_dim"("series_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "scrape_event" ADD CONSTRAINT "scrape_event_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quarantine" ADD CONSTRAINT "quarantine_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quality_check_result" ADD CONSTRAINT "quality_check_result_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;
