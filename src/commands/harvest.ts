/**
 * `tv-harvester harvest [--max-pages N] [--no-omdb] [--no-scrape] [--resume] [--full] [--refresh ID…]
 *   [--run-key KEY [--step STEP]] [--summary-json FILE|-]`: one harvest run, incremental when the last successful
 * one is recent (docs/refresh.md); `--full` ignores the refresh ages, `--refresh` forces the named series (TMDB ids).
 *
 * With `--run-key` the run is the key's (docs/orchestration.md): the first call starts it, a later one resumes it
 * (only the steps it has not completed), and once it succeeded a call does nothing and exits 0. With `--step` only
 * that step runs on the key's run: a step already completed is a no-op, a step whose predecessors have not completed
 * refuses (66) without starting anything, and only `publish` publishes the run.
 *
 * Exit codes (src/exit-codes.ts): 0 when the run (or the step) completed or there was nothing to do, 65 when the run
 * failed its quality expectations, 66 for a step out of order, 1 when the run failed, 75 when it failed for a
 * temporary reason or stopped because it lost the harvest lock (resumable), 130 / 143 when SIGINT / SIGTERM stopped it.
 * With `summaryJson` the result is also written as JSON (src/commands/harvest-result.ts); with `-` it goes to stdout
 * and the text for people to stderr. With PUSHGATEWAY_URL set, the metrics are pushed to the Pushgateway at the end
 * (a step's to a group of its own: see {@link pushMetrics}).
 */
import { performance } from "node:perf_hooks";
import type { App } from "../app.js";
import { errorMessage } from "../errors.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { pushHarvestMetrics } from "../metrics/push.js";
import {
  HARVEST_STEPS,
  runHarvest,
  runSteps,
  StepOrderError,
  type HarvestOptions,
  type HarvestStep,
  type HarvestSummary,
} from "../pipeline/harvest.js";
import { silentProgress, terminalProgress } from "../pipeline/progress.js";
import { stepsBefore } from "../pipeline/steps.js";
import { formatSummary } from "../pipeline/summary.js";
import { countsOf, isRetryableExit, resultWithoutRun, writeHarvestResult, type HarvestResult } from "./harvest-result.js";
import type { HarvestRunStatus, HarvestTrigger } from "../generated/prisma/enums.js";
import type { CommandIO } from "./io.js";
import { watchHarvest } from "../ops/watchdog.js";
import { signalExitCode, trapStopSignals } from "./signals.js";

/** Options of the harvest command as parsed by the CLI. */
export interface HarvestCommandOptions {
  maxPages?: number;
  omdb: boolean;
  scrape: boolean;
  resume: boolean;
  /** Ignore the refresh ages: every series' details and enrichments (`--full`). */
  full?: boolean;
  /** TMDB ids fetched again whatever their ages (`--refresh`). */
  refresh?: number[];
  /** Write the result as JSON to this file, or to stdout with `-` (`--summary-json`). */
  summaryJson?: string;
  /** The orchestrator's name of the run (`--run-key`): one run per key. */
  runKey?: string;
  /** Run only this step of the key's run (`--step`; needs `runKey`). */
  step?: HarvestStep;
}

/**
 * The exit code of a run's outcome: succeeded 0, failed_quality 65, failed 75 when the cause was temporary
 * (`retryable`) else 1, interrupted by a signal 130 / 143, interrupted otherwise (the harvest lock was lost) 75.
 */
export function exitCodeOfRun(summary: Pick<HarvestSummary, "status" | "errorRetryable">, signalCode: number | undefined): ExitCodeValue {
  switch (summary.status) {
    case "succeeded":
      return ExitCode.ok;
    case "failed_quality":
      return ExitCode.quality;
    case "failed":
      return summary.errorRetryable === true ? ExitCode.tempfail : ExitCode.failure;
    case "interrupted":
      if (signalCode === ExitCode.sigint || signalCode === ExitCode.sigterm) return signalCode;
      return ExitCode.tempfail;
  }
}

/** What a harvest command ended with: the exit code, the JSON result, and the run's summary when a run ran. */
interface CommandOutcome {
  code: ExitCodeValue;
  result: HarvestResult;
  summary?: HarvestSummary;
}

/**
 * Runs a harvest (the whole run, the key's run, or one step of it) with a progress bar on a terminal, prints the
 * summary, pushes the metrics, writes the summary JSON, and returns the exit code.
 * @throws whatever the pipeline throws before a run has an outcome (lock held, database unreachable…); the CLI
 *   maps it to its exit code (src/exit-codes.ts)
 */
export async function harvestCommand(app: App, options: HarvestCommandOptions, io: CommandIO, trigger: HarvestTrigger = "cli"): Promise<number> {
  // With the JSON on stdout, everything else for people goes to stderr (logs are there already).
  const say = options.summaryJson === "-" ? io.stderr : io.stdout;
  const progress = io.interactive ? terminalProgress() : silentProgress;
  const stop = trapStopSignals({
    onFirst(signal) {
      // The bars go first, so that nothing is printed into them.
      progress.stop();
      io.stderr(`\n${signal}: requests in flight aborted; finishing the writes in flight, then stopping (again to quit at once)\n`);
    },
    // The writes in flight get SHUTDOWN_DEADLINE_SECONDS; then the process ends whatever it is waiting on.
    deadlineMs: app.config.shutdownDeadlineMs,
    onDeadline(signal) {
      io.stderr(
        `${signal}: the writes in flight took longer than the shutdown deadline; quitting now; continue with: tv-harvester harvest --resume\n`,
      );
      io.exitNow?.(signalExitCode(signal));
    },
    onSecond(signal) {
      io.stderr(`${signal} again: quitting now; continue later with: ${continueCommand(options)}\n`);
      io.exitNow?.(signalExitCode(signal));
    },
  });
  const started = performance.now();
  const harvestOptions: HarvestOptions = {
    maxPages: options.maxPages,
    omdb: options.omdb,
    scrape: options.scrape,
    resume: options.resume,
    ...(options.full ? { full: true } : {}),
    ...(options.refresh && options.refresh.length > 0 ? { refresh: options.refresh } : {}),
    trigger,
    progress,
    signal: stop.signal,
  };
  let outcome: CommandOutcome;
  try {
    const { runKey } = options;
    // A stalled run is logged and exported (src/ops/watchdog.ts); a one-shot run is not stopped for it.
    outcome = await watchHarvest(app, { stallAfterMs: app.config.stallAfterMs, stopOnStall: false, progress, signal: stop.signal }, (w) => {
      const watched = { ...harvestOptions, progress: w.progress };
      return runKey === undefined ? wholeRun(app, watched, stop.exitCode) : keyedRun(app, { ...options, runKey }, watched, stop.exitCode, started);
    });
  } finally {
    stop.dispose();
  }
  const { summary, result } = outcome;
  if (summary) {
    say(`${formatSummary(summary)}\n`);
    app.logger.info({ summary }, "harvest summary");
    await pushMetrics(app, summary, options.step ?? null, outcome.code);
  }
  // The one line that says what happened (and, when it stopped, how to continue).
  (outcome.code === ExitCode.ok ? say : io.stderr)(`${result.message}\n`);
  if (options.summaryJson !== undefined) writeHarvestResult(result, options.summaryJson, io.stdout);
  return outcome.code;
}

/** The command that continues a stopped run: the same key, or `--resume`. */
function continueCommand(options: Pick<HarvestCommandOptions, "runKey" | "step">): string {
  if (options.runKey === undefined) return "tv-harvester harvest --resume";
  return `tv-harvester harvest --run-key ${options.runKey}${options.step ? ` --step ${options.step}` : ""}`;
}

/** `harvest` without a key: a new run, or the latest unfinished one with `--resume`. */
async function wholeRun(app: App, options: HarvestOptions, signalCode: () => number | undefined): Promise<CommandOutcome> {
  const summary = await runHarvest(app, options);
  const code = exitCodeOfRun(summary, signalCode());
  const message =
    summary.status === "interrupted"
      ? `Harvest run ${summary.runId} interrupted with ${summary.seriesLoaded} series loaded; continue it with: ${continueCommand({})}`
      : `Harvest run ${summary.runId} ${summary.status}`;
  return { code, summary, result: resultOfRun(summary, { code, message, runKey: null, step: null, status: summary.status }) };
}

/** The key's run as the database has it. */
interface KeyedRun {
  runId: number;
  status: HarvestRunStatus;
  stepsCompleted: HarvestStep[];
}

/** The run of `key`, or null when none has started. */
async function findRunByKey(app: App, key: string): Promise<KeyedRun | null> {
  const row = await app.prisma.harvestRun.findUnique({ where: { runKey: key }, select: { id: true, status: true, stepsCompleted: true } });
  if (!row) return null;
  return { runId: row.id, status: row.status, stepsCompleted: HARVEST_STEPS.filter((s) => row.stepsCompleted.includes(s)) };
}

/**
 * `harvest --run-key KEY [--step STEP]`: decides from the key's run what to do (nothing, refuse, start, resume) and
 * runs the steps.
 */
async function keyedRun(
  app: App,
  options: HarvestCommandOptions & { runKey: string },
  harvestOptions: HarvestOptions,
  signalCode: () => number | undefined,
  started: number,
): Promise<CommandOutcome> {
  const key = options.runKey;
  const step = options.step ?? null;
  const existing = await findRunByKey(app, key);
  const withoutRun = (code: ExitCodeValue, status: HarvestResult["status"], message: string, error: string | null = null): CommandOutcome => ({
    code,
    result: {
      ...resultWithoutRun({
        exitCode: code,
        status,
        runKey: key,
        step,
        message,
        error,
        startedMs: started,
        now: app.now(),
        nowMs: performance.now(),
      }),
      ...(existing
        ? { runId: existing.runId, runStatus: existing.status, stepsCompleted: existing.stepsCompleted, published: existing.status === "succeeded" }
        : {}),
    },
  });

  if (existing?.status === "succeeded") {
    return withoutRun(ExitCode.ok, "nothing_to_do", `Harvest run ${existing.runId} of key ${key} has succeeded already: nothing to do`);
  }
  if (existing?.status === "failed_quality") {
    // The same data fails the same expectations: a person decides (thresholds, a new key).
    return withoutRun(
      ExitCode.quality,
      "failed_quality",
      `Harvest run ${existing.runId} of key ${key} failed its quality expectations (failed_quality); it is not run again: see its quality_check_result rows, then use a new key`,
    );
  }
  if (existing?.status === "abandoned") {
    return withoutRun(ExitCode.failure, "failed", `Harvest run ${existing.runId} of key ${key} was abandoned (see its error); use a new key`);
  }
  const completed = new Set(existing?.stepsCompleted ?? []);
  if (step !== null && completed.has(step)) {
    return withoutRun(
      ExitCode.ok,
      "nothing_to_do",
      `Step ${step} of harvest run ${existing?.runId ?? "?"} (key ${key}) has completed already: nothing to do`,
    );
  }
  if (step !== null) {
    const missing = stepsBefore(step, false).filter((s) => !completed.has(s));
    if (missing.length > 0) {
      const where = existing ? `harvest run ${existing.runId} (key ${key})` : `key ${key} (no run yet: its listing step starts it)`;
      return withoutRun(ExitCode.stepOutOfOrder, "refused", `Step ${step} needs ${missing.join(", ")} to have completed on ${where}: run them first`);
    }
  }
  const steps = step !== null ? [step] : HARVEST_STEPS.filter((s) => !completed.has(s));
  let summary: HarvestSummary;
  try {
    summary = await runSteps(app, { ...harvestOptions, resume: false, steps, ...(existing ? { runId: existing.runId } : { runKey: key }) });
  } catch (error) {
    if (error instanceof StepOrderError) return withoutRun(ExitCode.stepOutOfOrder, "refused", error.message);
    // Another process started the key's run between the look-up and the lock (run_key is unique): retry finds it.
    if (isUniqueViolation(error))
      return withoutRun(ExitCode.tempfail, "error", `Another process started the run of key ${key} meanwhile: retry`, errorMessage(error));
    throw error;
  }
  const stepDone = step !== null && summary.stepsCompleted.includes(step) && (step !== "publish" || summary.status !== "failed");
  const code = stepDone && step !== "publish" ? ExitCode.ok : exitCodeOfRun(summary, signalCode());
  const status: HarvestResult["status"] = stepDone && step !== "publish" ? "succeeded" : summary.status;
  const message =
    code === ExitCode.ok
      ? step !== null && step !== "publish"
        ? `Step ${step} of harvest run ${summary.runId} (key ${key}) completed; the run is published by its publish step`
        : `Harvest run ${summary.runId} (key ${key}) succeeded and is published`
      : summary.status === "interrupted" || (summary.status === "failed" && code === ExitCode.tempfail)
        ? `Harvest run ${summary.runId} (key ${key}) ${summary.status}${summary.error ? `: ${summary.error}` : ""}; continue it with: ${continueCommand(options)}`
        : `Harvest run ${summary.runId} (key ${key}) ${summary.status}${summary.error ? `: ${summary.error}` : ""}`;
  return { code, summary, result: resultOfRun(summary, { code, message, runKey: key, step, status }) };
}

/** True for Prisma's unique-constraint violation (P2002). */
function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && Reflect.get(error, "code") === "P2002";
}

/** The summary JSON of a run that ran (whole harvest or steps). */
function resultOfRun(
  summary: HarvestSummary,
  input: { code: ExitCodeValue; message: string; runKey: string | null; step: HarvestStep | null; status: HarvestResult["status"] },
): HarvestResult {
  return {
    schemaVersion: 1,
    status: input.status,
    exitCode: input.code,
    retryable: isRetryableExit(input.code),
    runId: summary.runId,
    runKey: input.runKey,
    step: input.step,
    runStatus: summary.status,
    stepsCompleted: summary.stepsCompleted,
    published: summary.status === "succeeded",
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durations: { totalSeconds: summary.durationSeconds, stageSeconds: summary.stageSeconds },
    counts: countsOf(summary),
    message: input.message,
    error: summary.error ?? null,
  };
}

/** Run gauges: what a step that hands over to the next one leaves out of its push (it did not end the run). */
const RUN_FAMILIES = [
  "tv_harvester_last_run_timestamp_seconds",
  "tv_harvester_last_run_duration_seconds",
  "tv_harvester_last_run_series",
  "tv_harvester_last_run_rows_written",
  "tv_harvester_harvest_runs_total",
] as const;

/**
 * Pushes the metrics to PUSHGATEWAY_URL when set (a one-shot run has no /metrics endpoint to be scraped). A whole run
 * pushes to `{job="tv_harvester"}` (PUT when it succeeded, POST without the last-success families otherwise, see
 * src/metrics/push.ts). A step pushes to `{job="tv_harvester", step}` with PUT: the last success is the newest
 * succeeded run's, read from the database (so every step group tells the truth), and a step that completed without
 * ending the run leaves the run gauges out, so only a failed or stopped step, or `publish`, sets
 * `last_run_timestamp` (docs/orchestration.md, Metrics and alerts). A push failure is logged, not a run failure.
 */
async function pushMetrics(app: App, summary: HarvestSummary, step: HarvestStep | null, code: ExitCodeValue): Promise<void> {
  const url = app.config.pushgatewayUrl;
  if (!url) return;
  try {
    if (step === null) {
      const pushed = await pushHarvestMetrics(app.metrics, url, { succeeded: summary.status === "succeeded" });
      app.logger.info({ method: pushed.method, families: pushed.metricNames.length }, "metrics pushed to the Pushgateway");
      return;
    }
    const last = await app.prisma.harvestRun.findFirst({
      where: { status: "succeeded", finishedAt: { not: null }, trigger: { not: "topup" } },
      orderBy: { finishedAt: "desc" },
      select: { finishedAt: true },
    });
    if (last?.finishedAt) app.metrics.setLastSuccess(last.finishedAt.getTime() / 1000);
    if (step === "publish") {
      // The run's wall time over all its steps (the gaps the orchestrator left between them included).
      app.metrics.lastRunDuration.set((Date.parse(summary.finishedAt) - Date.parse(summary.startedAt)) / 1000);
    }
    const handsOver = code === ExitCode.ok && step !== "publish";
    const pushed = await pushHarvestMetrics(app.metrics, url, {
      succeeded: true,
      groupings: { step },
      ...(handsOver ? { without: RUN_FAMILIES } : {}),
    });
    app.logger.info({ method: pushed.method, families: pushed.metricNames.length, step }, "metrics pushed to the Pushgateway");
  } catch (error) {
    app.logger.warn({ err: error, error: errorMessage(error) }, "could not push metrics to the Pushgateway");
  }
}

/**
 * Writes the summary JSON of a harvest command that threw before it had a run's outcome (status `error`):
 * the lock held by another run, the database unreachable, migrations failing. `error` must be scrubbed already.
 */
export function writeErrorResult(
  options: Pick<HarvestCommandOptions, "summaryJson" | "runKey" | "step">,
  input: { code: ExitCodeValue; error: string; startedMs: number; io: CommandIO },
): void {
  if (options.summaryJson === undefined) return;
  const result = resultWithoutRun({
    exitCode: input.code,
    status: "error",
    runKey: options.runKey ?? null,
    step: options.step ?? null,
    message: input.code === ExitCode.tempfail ? "temporary failure: retry later" : "the harvest could not run",
    error: input.error,
    startedMs: input.startedMs,
    now: new Date(),
    nowMs: performance.now(),
  });
  writeHarvestResult(result, options.summaryJson, input.io.stdout);
}
