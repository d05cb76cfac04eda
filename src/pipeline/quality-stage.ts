/**
 * The quality stage of a harvest run: the post-load expectations (src/quality/expectations.ts), stored per
 * run. An error-severity failure marks the run `failed_quality`, which keeps its facts out of the
 * analytics views.
 */
import type { App } from "../app.js";
import { hasErrorFailure, runExpectations } from "../quality/expectations.js";
import type { HarvestSummary } from "./harvest.js";

/** Runs the suite for `runId`; `failed` is true when an error-severity expectation failed. */
export async function runQualityStage(app: App, runId: number): Promise<{ results: HarvestSummary["quality"]; failed: boolean }> {
  const results = await runExpectations({ prisma: app.prisma, metrics: app.metrics, now: app.now, thresholds: app.config.quality }, runId);
  for (const r of results.filter((x) => !x.passed)) {
    app.logger.warn({ runId, check: r.check, severity: r.severity, observed: r.observed, threshold: r.threshold, details: r.details }, "expectation failed");
  }
  return {
    results: results.map((r) => ({ check: r.check, severity: r.severity, passed: r.passed, observed: r.observed, threshold: r.threshold })),
    failed: hasErrorFailure(results),
  };
}
