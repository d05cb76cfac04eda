/**
 * `tv-harvester check [--run N] [--store]`: runs the post-load expectations (src/quality/expectations.ts) on
 * demand for a harvest run, prints them as a table and returns the exit code. Read-only by default: no
 * migration is applied and the stored results are left as they are; `--store` replaces that run's stored
 * results with the new ones. The run's status is left as it is: the pipeline decides `failed_quality` when it
 * loads; `check` reports.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { ExitCode } from "../exit-codes.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import { hasErrorFailure, runExpectations, type ExpectationResult, type ExpectationThresholdOverrides } from "../quality/expectations.js";
import { formatTable } from "../text-table.js";

/** Options of `check`. */
export interface CheckOptions {
  /** Harvest run to check; default the newest run that finished loading (succeeded or failed_quality). */
  run?: number;
  /** Store the results, replacing the run's earlier ones (default false: read-only). */
  store?: boolean;
}

/** What `check` writes to and reads from. */
export interface CheckIo {
  stdout: (s: string) => void;
  prisma: PrismaClient;
  metrics?: HarvesterMetrics;
  now: () => Date;
  /** Thresholds from the configuration (`config.quality`); defaults otherwise. */
  thresholds?: ExpectationThresholdOverrides;
}

/**
 * Runs the suite and prints a table (check, severity, observed, threshold, passed) followed by the details
 * of every failed check. Returns 1 when an error-severity check failed, or when there is no run to check
 * (or `--run N` does not exist); 2 when the database has no tv-harvester tables (nothing is created: run
 * `migrate` first); 0 otherwise (warnings included). Database errors propagate.
 */
export async function checkCommand(opts: CheckOptions, io: CheckIo): Promise<number> {
  const [schema] = z
    .array(z.object({ present: z.boolean() }))
    .parse(await io.prisma.$queryRaw`SELECT to_regclass('harvest_run') IS NOT NULL AND to_regclass('quality_check_result') IS NOT NULL AS present`);
  if (!schema?.present) {
    io.stdout("this database has no tv-harvester tables (check changes nothing); apply the migrations first: tv-harvester migrate\n");
    return ExitCode.config;
  }
  const run =
    opts.run !== undefined
      ? await io.prisma.harvestRun.findUnique({ where: { id: opts.run }, select: { id: true, status: true } })
      : await io.prisma.harvestRun.findFirst({
          where: { status: { in: ["succeeded", "failed_quality"] } },
          orderBy: { id: "desc" },
          select: { id: true, status: true },
        });
  if (!run) {
    io.stdout(opts.run !== undefined ? `harvest run ${opts.run} not found\n` : "no finished harvest run to check\n");
    return 1;
  }
  const store = opts.store === true;
  const results = await runExpectations({ prisma: io.prisma, metrics: io.metrics, now: io.now, thresholds: io.thresholds, store }, run.id);
  io.stdout(
    `Quality checks of harvest run ${run.id} (status ${run.status})${store ? "; results stored" : "; nothing stored (--store to store them)"}\n\n`,
  );
  io.stdout(formatResultsTable(results));
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) {
    io.stdout("\nFailed:\n");
    for (const r of failed) io.stdout(`  ${r.check} (${r.severity}): ${r.details}\n`);
  }
  const errorFailure = hasErrorFailure(results);
  const errors = failed.filter((r) => r.severity === "error").length;
  io.stdout(`\n${results.length - failed.length}/${results.length} passed; ${errors} error failure(s), ${failed.length - errors} warning(s)\n`);
  return errorFailure ? 1 : 0;
}

/** Renders results as a fixed-width text table with a header row; one line per check, `\n`-terminated. */
export function formatResultsTable(results: readonly ExpectationResult[]): string {
  const columns = ["check", "severity", "observed", "threshold", "passed"].map((heading) => ({ heading }));
  const rows = results.map((r) => [r.check, r.severity, r.observed === null ? "-" : String(r.observed), r.threshold, r.passed ? "yes" : "NO"]);
  return `${formatTable(columns, rows)}\n`;
}
