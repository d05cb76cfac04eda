/**
 * Stage "load": the checked series into the dimensions (`series_dim`, bridges, networks) and TMDB's
 * ratings as facts of the run. In a harvest the series are loaded in batches while the details arrive
 * ({@link SeriesLoader}), so that memory follows the batch, not the catalogue; the stage itself writes the last
 * batch and the facts.
 */
import type { PrismaClient } from "../../db/prisma.js";
import type { RatingObservation, SeriesRecord } from "../../domain.js";
import { addCounts, upsertSeries, type RowCounts } from "../../load/loader.js";
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

/** Series per batch of {@link SeriesLoader} (the loader's own statement batch). */
export const LOAD_BATCH = 500;

/**
 * Loads checked series as they come, a batch of {@link LOAD_BATCH} at a time (one transaction per batch, see
 * `upsertSeries`), so that no stage holds every record of the run. {@link finish} writes the rest, the TMDB
 * ratings and the quarantine so far. Series loaded before a run fails stay upserted (idempotent; their versions
 * belong to the failed run, which no view shows).
 */
export class SeriesLoader {
  /** Rows written so far, per table. */
  readonly rowsWritten: RowCounts = {};
  /** Series loaded so far (written or in the pending batch). */
  loaded = 0;
  /** Values the details lacked that the versions kept from the series' published version, per field. */
  readonly keptValues: Record<string, number> = {};
  private batch: SeriesRecord[] = [];
  private writing: Promise<void> = Promise.resolve();

  /** `batchSize`: series per batch (default {@link LOAD_BATCH}). */
  constructor(
    private readonly deps: LoadDeps,
    private readonly batchSize = LOAD_BATCH,
  ) {}

  /**
   * Adds one series; when the batch is full, waits for the previous batch and starts this one (a caller
   * awaiting `add` is held while two batches are in flight at most).
   * @throws the database error of a batch write
   */
  async add(series: SeriesRecord): Promise<void> {
    this.batch.push(series);
    this.loaded += 1;
    if (this.batch.length >= this.batchSize) await this.startBatch();
  }

  /**
   * Writes what is left, then `tmdbRatings` as facts and the quarantine so far. Returns the rows written per table.
   * @throws the database error of any batch
   */
  async finish(tmdbRatings: readonly RatingObservation[]): Promise<RowCounts> {
    await this.startBatch();
    await this.writing;
    await this.deps.facts.write(tmdbRatings);
    await this.deps.quarantine.flush();
    return this.rowsWritten;
  }

  /**
   * Writes the pending batch and waits for every write in flight, without the facts (a run that stops early:
   * what was checked is loaded, as its answers are kept).
   * @throws the database error of any batch
   */
  async drain(): Promise<void> {
    await this.startBatch();
    await this.writing;
  }

  /** Chains the write of the pending batch after the previous one and waits for the previous one. */
  private async startBatch(): Promise<void> {
    const previous = this.writing;
    const batch = this.batch;
    this.batch = [];
    if (batch.length === 0) return previous;
    this.writing = previous.then(async () => {
      addCounts(this.rowsWritten, await upsertSeries(this.deps.prisma, this.deps.runId, batch, this.keptValues));
    });
    // Not awaited here: one batch is written while the next fills. A failure surfaces on the next add or finish.
    this.writing.catch(() => undefined);
    await previous;
  }
}
