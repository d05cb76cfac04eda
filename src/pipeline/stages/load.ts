/**
 * Stage "load": the checked series into the dimensions (`series_dim`, bridges, networks) and TMDB's
 * ratings as facts of the run.
 */
import type { PrismaClient } from "../../db/prisma.js";
import type { RatingObservation, SeriesRecord } from "../../domain.js";
import { upsertSeries, type RowCounts } from "../../load/loader.js";
import type { FactWriter, QuarantineSink } from "./deps.js";

/** Dependencies of {@link loadSeries}. */
export interface LoadDeps {
  prisma: PrismaClient;
  runId: number;
  facts: FactWriter;
  quarantine: QuarantineSink;
}

/**
 * Upserts `series` (idempotent on TMDB ids), writes `tmdbRatings` as facts and the quarantine so far.
 * Returns the dimension rows written per table.
 */
export async function loadSeries(
  deps: LoadDeps,
  input: { series: readonly SeriesRecord[]; tmdbRatings: readonly RatingObservation[] },
): Promise<RowCounts> {
  const rowsWritten = await upsertSeries(deps.prisma, deps.runId, input.series);
  await deps.facts.write(input.tmdbRatings);
  await deps.quarantine.flush();
  return rowsWritten;
}
