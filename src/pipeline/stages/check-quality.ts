/**
 * Stage "check quality": the post-load expectations (src/quality/expectations.ts), stored per run. An
 * error-severity failure marks the run `failed_quality`, which keeps its facts out of the analytics views.
 */
import type { PrismaClient } from "../../db/prisma.js";
import type { Logger } from "../../logger.js";
import type { HarvesterMetrics } from "../../metrics/metrics.js";
import { hasErrorFailure, runExpectations, type ExpectationThresholdOverrides } from "../../quality/expectations.js";
import type { QualitySummaryRow } from "../run-state.js";

/** Dependencies of {@link checkQuality}. */
export interface CheckQualityDeps {
  prisma: PrismaClient;
  metrics: HarvesterMetrics;
  logger: Logger;
  now: () => Date;
  thresholds?: ExpectationThresholdOverrides;
}

/** Runs the suite for `runId`; `failed` is true when an error-severity expectation failed. */
export async function checkQuality(deps: CheckQualityDeps, input: { runId: number }): Promise<{ results: QualitySummaryRow[]; failed: boolean }> {
  const results = await runExpectations({ prisma: deps.prisma, metrics: deps.metrics, now: deps.now, thresholds: deps.thresholds }, input.runId);
  for (const r of results.filter((x) => !x.passed)) {
    deps.logger.warn(
      { runId: input.runId, check: r.check, severity: r.severity, observed: r.observed, threshold: r.threshold, details: r.details },
      "expectation failed",
    );
  }
  return {
    results: results.map((r) => ({ check: r.check, severity: r.severity, passed: r.passed, observed: r.observed, threshold: r.threshold })),
    failed: hasErrorFailure(results),
  };
}
