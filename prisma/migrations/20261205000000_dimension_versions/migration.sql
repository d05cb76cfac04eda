-- The names (and countries, logos) of genres, networks and platforms as each run saw them. The loader writes them
-- here and adds only unknown members to the dimensions; publishing the run copies them into genre_dim, network_dim
-- and platform_dim, so that a run that fails changes no name the views show.

-- CreateTable
CREATE TABLE "genre_version" (
    "genre_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "genre_version_pkey" PRIMARY KEY ("genre_id","run_id")
);

-- CreateTable
CREATE TABLE "network_version" (
    "network_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "origin_country" TEXT,
    "logo_path" TEXT,

    CONSTRAINT "network_version_pkey" PRIMARY KEY ("network_id","run_id")
);

-- CreateTable
CREATE TABLE "platform_version" (
    "platform_id" INTEGER NOT NULL,
    "run_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "logo_path" TEXT,

    CONSTRAINT "platform_version_pkey" PRIMARY KEY ("platform_id","run_id")
);

-- CreateIndex
CREATE INDEX "genre_version_run_id_idx" ON "genre_version"("run_id");

-- CreateIndex
CREATE INDEX "network_version_run_id_idx" ON "network_version"("run_id");

-- CreateIndex
CREATE INDEX "platform_version_run_id_idx" ON "platform_version"("run_id");

-- AddForeignKey
ALTER TABLE "genre_version" ADD CONSTRAINT "genre_version_genre_id_fkey" FOREIGN KEY ("genre_id") REFERENCES "genre_dim"("genre_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "genre_version" ADD CONSTRAINT "genre_version_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_version" ADD CONSTRAINT "network_version_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "network_dim"("network_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "network_version" ADD CONSTRAINT "network_version_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "platform_version" ADD CONSTRAINT "platform_version_platform_id_fkey" FOREIGN KEY ("platform_id") REFERENCES "platform_dim"("platform_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "platform_version" ADD CONSTRAINT "platform_version_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "harvest_run"("run_id") ON DELETE CASCADE ON UPDATE CASCADE;
