/**
 * `quality_check_result`: the expectations' results of a harvest run (src/quality/expectations.ts).
 */
import type { PrismaClient } from "../db/prisma.js";

/** One expectation's result as stored. `observed` is null when there was nothing to measure. */
export interface QualityResultRow {
  check: string;
  severity: string;
  observed: number | null;
  threshold: string | null;
  passed: boolean;
  details: string | null;
}

/** Replaces the stored results of `runId` with `results` (one transaction: a re-check overwrites). */
export async function replaceQualityResults(
  prisma: PrismaClient,
  runId: number,
  results: readonly QualityResultRow[],
  checkedAt: Date,
): Promise<void> {
  await prisma.$transaction([
    prisma.qualityCheckResult.deleteMany({ where: { runId } }),
    prisma.qualityCheckResult.createMany({
      data: results.map((r) => ({
        runId,
        checkName: r.check,
        severity: r.severity,
        observed: r.observed,
        threshold: r.threshold,
        passed: r.passed,
        details: r.details,
        checkedAt,
      })),
    }),
  ]);
}
