/**
 * The names of genres, networks and platforms published with a run. A run writes the names (and a network's country,
 * a logo) it saw in `genre_version`, `network_version` and `platform_version` (src/load/loader.ts); the dimensions
 * the views join, `genre_dim`, `network_dim` and `platform_dim`, take them only when the run is published, so that a
 * run that fails changes no name analysts see. A country or logo the run lacked keeps the one known.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { RowCounts } from "./loader.js";

/**
 * Copies run `runId`'s names into the dimensions, in one transaction; only rows that change are written. Idempotent
 * (a resumed publish writes nothing twice). Returns the dimension rows changed per table.
 * @throws the database error of a statement (nothing is changed then)
 */
export async function publishDimensionVersions(prisma: PrismaClient, runId: number): Promise<RowCounts> {
  const [genres, networks, platforms] = await prisma.$transaction([
    prisma.$executeRaw`
      UPDATE genre_dim d SET name = v.name
      FROM genre_version v WHERE v.run_id = ${runId} AND v.genre_id = d.genre_id AND d.name IS DISTINCT FROM v.name`,
    prisma.$executeRaw`
      UPDATE network_dim d SET name = v.name, origin_country = COALESCE(v.origin_country, d.origin_country),
        logo_path = COALESCE(v.logo_path, d.logo_path)
      FROM network_version v WHERE v.run_id = ${runId} AND v.network_id = d.network_id
        AND (d.name, d.origin_country, d.logo_path)
          IS DISTINCT FROM (v.name, COALESCE(v.origin_country, d.origin_country), COALESCE(v.logo_path, d.logo_path))`,
    prisma.$executeRaw`
      UPDATE platform_dim d SET name = v.name, logo_path = COALESCE(v.logo_path, d.logo_path)
      FROM platform_version v WHERE v.run_id = ${runId} AND v.platform_id = d.platform_id
        AND (d.name, d.logo_path) IS DISTINCT FROM (v.name, COALESCE(v.logo_path, d.logo_path))`,
  ]);
  return { genre_dim: genres, network_dim: networks, platform_dim: platforms };
}
