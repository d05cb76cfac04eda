/**
 * The machine-readable result of `harvest` (`--summary-json FILE`, `-` for stdout): one JSON object per
 * command, for Airflow's KubernetesPodOperator (written to /airflow/xcom/return.json it becomes the task's
 * XCom), a Kubernetes Job's log collector or a shell script with `jq`. Its shape is {@link harvestResultSchema}
 * (documented in docs/orchestration.md, "The summary JSON"); `schemaVersion` changes when a field changes
 * meaning or goes away (new fields may appear without a new version).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { HarvestSummary } from "../pipeline/harvest.js";
import { HARVEST_STEPS, type HarvestStep } from "../pipeline/steps.js";
import { RETRYABLE_EXIT_CODES, type ExitCodeValue } from "../exit-codes.js";

const count = z.number().int().nonnegative();

/** The shape of the summary JSON (version 1). */
export const harvestResultSchema = z
  .object({
    schemaVersion: z.literal(1),
    status: z
      .enum(["succeeded", "failed", "failed_quality", "interrupted", "nothing_to_do", "refused", "error"])
      .describe(
        "what this command did: succeeded (the run, or the --step, completed), failed / failed_quality / interrupted (the run's outcome), " +
          "nothing_to_do (the key's run had succeeded already), refused (a step it needs has not completed), error (no run outcome: lock held, database unreachable…)",
      ),
    exitCode: z.number().int().describe("the process's exit code (docs/orchestration.md, Exit codes)"),
    retryable: z.boolean().describe("whether running the same command again can help (exit codes 75, 130, 143)"),
    runId: z.number().int().positive().nullable().describe("harvest_run.run_id; null when no run was started or found"),
    runKey: z.string().nullable().describe("--run-key, or null"),
    step: z.enum(HARVEST_STEPS).nullable().describe("--step, or null for the whole harvest"),
    runStatus: z
      .enum(["running", "succeeded", "failed", "failed_quality", "interrupted", "abandoned"])
      .nullable()
      .describe("the run row's status after the command (interrupted between the steps of a keyed run: resumable, unpublished)"),
    stepsCompleted: z.array(z.enum(HARVEST_STEPS)).describe("the run's completed steps, in step order"),
    published: z.boolean().describe("whether the run's facts are visible in the analytics views (succeeded)"),
    startedAt: z.string().nullable().describe("when the run started (ISO 8601), over all its attempts"),
    finishedAt: z.string().describe("when this command ended (ISO 8601)"),
    durations: z.object({
      totalSeconds: z.number().nonnegative().describe("this command's run time, seconds"),
      stageSeconds: z.record(z.string(), z.number().nonnegative()).describe("seconds per pipeline stage in this attempt"),
    }),
    counts: z
      .object({
        pages: count.describe("listing pages of this attempt"),
        seriesListed: count,
        seriesLoaded: count.describe("series versions of the run, over all attempts"),
        seriesLost: count.describe("listed series the run goes on without (failures and rejects, quarantined)"),
        seriesRejected: count.describe("of seriesLost, those rejected by the boundary checks"),
        seriesGone: count.describe("listed series whose details answered 404 (gone from TMDB)"),
        facts: count.describe("rating_fact rows of the run, over all attempts"),
        factsBySource: z.record(z.string(), count),
        quarantine: z.object({ rejected: count, flagged: count, schemaDrift: count }),
        reusedAnswers: count.describe("upstream answers re-used from an earlier attempt (not asked again)"),
        requests: z.record(z.string(), count).describe("requests sent per upstream by this attempt"),
      })
      .nullable()
      .describe("null when the command ended before a run summary existed"),
    message: z.string().describe("one line for people"),
    error: z.string().nullable().describe("the error, secrets scrubbed, or null"),
  })
  .strict();

/** The summary JSON. */
export type HarvestResult = z.infer<typeof harvestResultSchema>;

/** Whether a scheduler may retry after `code` (see src/exit-codes.ts). */
export function isRetryableExit(code: ExitCodeValue): boolean {
  return RETRYABLE_EXIT_CODES.includes(code);
}

/** The counts part of a result from a run's summary. */
export function countsOf(summary: HarvestSummary): NonNullable<HarvestResult["counts"]> {
  const requests: Record<string, number> = {};
  for (const [upstream, stats] of Object.entries(summary.requests)) if (stats) requests[upstream] = stats.requests;
  const factsBySource: Record<string, number> = {};
  for (const [source, n] of Object.entries(summary.ratingsBySource)) if (n !== undefined) factsBySource[source] = n;
  return {
    pages: summary.pages,
    seriesListed: summary.seriesListed,
    seriesLoaded: summary.seriesLoaded,
    seriesLost: summary.seriesLost,
    seriesRejected: summary.seriesRejected,
    seriesGone: summary.seriesGone,
    facts: summary.rowsWritten.rating_fact ?? Object.values(factsBySource).reduce((a, b) => a + b, 0),
    factsBySource,
    quarantine: { rejected: summary.quarantine.rejected, flagged: summary.quarantine.flagged, schemaDrift: summary.quarantine.schemaDrift },
    reusedAnswers: summary.reusedFromStage,
    requests,
  };
}

/**
 * Writes `result` (validated against {@link harvestResultSchema} first, so a reader never gets a shape the
 * docs do not describe) as one line of JSON to `target`: a file path (its folder created when missing, e.g.
 * /airflow/xcom), or `-` for `stdout`.
 * @throws Error when the result does not match the schema (a bug) or the file cannot be written
 */
export function writeHarvestResult(result: HarvestResult, target: string, stdout: (text: string) => void): void {
  const text = `${JSON.stringify(harvestResultSchema.parse(result))}\n`;
  if (target === "-") {
    stdout(text);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

/** A result for a command that ended without a run summary (an error before or around the run). */
export function resultWithoutRun(input: {
  exitCode: ExitCodeValue;
  status: HarvestResult["status"];
  runKey: string | null;
  step: HarvestStep | null;
  message: string;
  error: string | null;
  startedMs: number;
  now: Date;
  nowMs: number;
}): HarvestResult {
  return {
    schemaVersion: 1,
    status: input.status,
    exitCode: input.exitCode,
    retryable: isRetryableExit(input.exitCode),
    runId: null,
    runKey: input.runKey,
    step: input.step,
    runStatus: null,
    stepsCompleted: [],
    published: false,
    startedAt: null,
    finishedAt: input.now.toISOString(),
    durations: { totalSeconds: Math.max(0, Math.round(input.nowMs - input.startedMs) / 1000), stageSeconds: {} },
    counts: null,
    message: input.message,
    error: input.error,
  };
}
