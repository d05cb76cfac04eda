-- Tables holding one row set per harvest run say so in their names, as series_version, series_genre_version and
-- series_network_version already do: season_dim → season_version, series_platform → series_platform_version,
-- series_content_rating → series_content_rating_version (all keyed by series × run). Their primary keys, foreign
-- keys and indexes take the names Prisma gives them for the new table names. Views follow a renamed table by
-- itself; their files in prisma/views/ name the new tables.
ALTER TABLE "season_dim" RENAME TO "season_version";
ALTER TABLE "season_version" RENAME CONSTRAINT "season_dim_pkey" TO "season_version_pkey";
ALTER TABLE "season_version" RENAME CONSTRAINT "season_dim_series_id_run_id_fkey" TO "season_version_series_id_run_id_fkey";

ALTER TABLE "series_platform" RENAME TO "series_platform_version";
ALTER TABLE "series_platform_version" RENAME CONSTRAINT "series_platform_pkey" TO "series_platform_version_pkey";
ALTER TABLE "series_platform_version" RENAME CONSTRAINT "series_platform_series_id_run_id_fkey" TO "series_platform_version_series_id_run_id_fkey";
ALTER TABLE "series_platform_version" RENAME CONSTRAINT "series_platform_platform_id_fkey" TO "series_platform_version_platform_id_fkey";
ALTER INDEX "series_platform_platform_id_idx" RENAME TO "series_platform_version_platform_id_idx";

ALTER TABLE "series_content_rating" RENAME TO "series_content_rating_version";
ALTER TABLE "series_content_rating_version" RENAME CONSTRAINT "series_content_rating_pkey" TO "series_content_rating_version_pkey";
ALTER TABLE "series_content_rating_version" RENAME CONSTRAINT "series_content_rating_series_id_run_id_fkey" TO "series_content_rating_version_series_id_run_id_fkey";
