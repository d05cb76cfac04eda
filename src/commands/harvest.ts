/**
 * `tv-harvester harvest [--max-pages N] [--no-omdb] [--no-scrape] [--resume] [--full] [--refresh ID…]`: one harvest
 * run, incremental when the last successful one is recent (docs/refresh.md); `--full` ignores the refresh ages,
 * `--refresh` forces the named series (TMDB ids).
 * Exit codes (src/exit-codes.ts): 0 when the run succeeded, 65 when it failed its quality expectations, 1 when it
 * failed otherwise, 75 when it stopped because it lost the harvest lock (`interrupted`, resumable), 130 / 143
 * when SIGINT / SIGTERM interrupted it (the run is then `interrupted` and `harvest --resume` continues it).
 * With `summaryJson` the result is also written as JSON (src/commands/harvest-result.ts); with `-` it goes to
 * stdout and the text summary to stderr. With PUSHGATEWAY_URL set, the run's metrics are pushed to the
 * Pushgateway at the end.
 */
import type { App } from "../app.js";
import { runHarvest, type HarvestOptions, type HarvestSummary } from "../pipeline/harvest.js";
import { silentProgress, terminalProgress } from "../pipeline/progress.js";
import { formatSummary } from "../pipeline/summary.js";
import { pushHarvestMetrics } from "../metrics/push.js";
import { errorMessage } from "../errors.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import type { CommandIO } from "./io.js";
import { countsOf, isRetryableExit, resultWithoutRun, writeHarvestResult, type HarvestResult } from "./harvest-result.js";
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
}

/**
 * The exit code of a run's outcome: succeeded 0, failed_quality 65, failed 1, interrupted by a signal 130 / 143,
 * interrupted otherwise (the harvest lock was lost) 75.
 */
export function exitCodeOfRun(summary: Pick<HarvestSummary, "status">, signalCode: number | undefined): ExitCodeValue {
  switch (summary.status) {
    case "succeeded":
      return ExitCode.ok;
    case "failed_quality":
      return ExitCode.quality;
    case "failed":
      return ExitCode.failure;
    case "interrupted":
      if (signalCode === ExitCode.sigint || signalCode === ExitCode.sigterm) return signalCode;
      return ExitCode.tempfail;
  }
}

/** Runs a harvest with a progress bar on a terminal, prints the summary, and returns the exit code. */
export async function harvestCommand(app: App, options: HarvestCommandOptions, io: CommandIO, trigger = "cli"): Promise<number> {
  // With the JSON on stdout, everything else for people goes to stderr (logs are there already).
  const say = options.summaryJson === "-" ? io.stderr : io.stdout;
  const progress = io.interactive ? terminalProgress() : silentProgress;
  const stop = trapStopSignals({
    onFirst(signal) {
      // The bars go first, so that nothing is printed into them.
      progress.stop();
      io.stderr(`\n${signal}: finishing the requests and writes in flight, then stopping (again to quit at once)\n`);
    },
    onSecond(signal) {
      io.stderr(`${signal} again: quitting now; continue later with: tv-harvester harvest --resume\n`);
      io.exitNow?.(signalExitCode(signal));
    },
  });
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
  let summary;
  try {
    summary = await runHarvest(app, harvestOptions);
  } finally {
    stop.dispose();
  }
  say(`${formatSummary(summary)}\n`);
  app.logger.info({ summary }, "harvest summary");
  if (app.config.pushgatewayUrl) {
    // A one-shot run has no /metrics endpoint to be scraped: it pushes. A failed run keeps the gateway's
    // last-success timestamp (see src/metrics/push.ts). A push failure is logged, not a run failure.
    try {
      const pushed = await pushHarvestMetrics(app.metrics, app.config.pushgatewayUrl, { succeeded: summary.status === "succeeded" });
      app.logger.info({ method: pushed.method, families: pushed.metricNames.length }, "metrics pushed to the Pushgateway");
    } catch (error) {
      app.logger.warn({ err: error, error: errorMessage(error) }, "could not push metrics to the Pushgateway");
    }
  }
  // Not stopped by a signal, an interrupted run lost the harvest lock (see src/pipeline/lock.ts): temporary.
  const code = exitCodeOfRun(summary, stop.exitCode());
  const message =
    summary.status === "interrupted"
      ? `Harvest run ${summary.runId} interrupted with ${summary.seriesLoaded} series loaded; continue it with: tv-harvester harvest --resume`
      : `Harvest run ${summary.runId} ${summary.status}`;
  if (summary.status === "interrupted") io.stderr(`${message}\n`);
  if (options.summaryJson !== undefined) {
    writeHarvestResult(resultOfRun(summary, { code, message, runKey: null, step: null }), options.summaryJson, io.stdout);
  }
  return code;
}

/** The summary JSON of a run that ended (whole harvest or one step). */
function resultOfRun(
  summary: HarvestSummary,
  input: { code: ExitCodeValue; message: string; runKey: string | null; step: HarvestResult["step"] },
): HarvestResult {
  return {
    schemaVersion: 1,
    status: summary.status,
    exitCode: input.code,
    retryable: isRetryableExit(input.code),
    runId: summary.runId,
    runKey: input.runKey,
    step: input.step,
    runStatus: summary.status,
    stepsCompleted: [],
    published: summary.status === "succeeded",
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durations: { totalSeconds: summary.durationSeconds, stageSeconds: summary.stageSeconds },
    counts: countsOf(summary),
    message: input.message,
    error: summary.error ?? null,
  };
}

/**
 * Writes the summary JSON of a harvest command that threw before it had a run's outcome (status `error`):
 * the lock held by another run, the database unreachable, migrations failing. `error` must be scrubbed already.
 */
export function writeErrorResult(
  options: Pick<HarvestCommandOptions, "summaryJson">,
  input: { code: ExitCodeValue; error: string; startedMs: number; io: CommandIO },
): void {
  if (options.summaryJson === undefined) return;
  const result = resultWithoutRun({
    exitCode: input.code,
    status: "error",
    runKey: null,
    step: null,
    message: input.code === ExitCode.tempfail ? "temporary failure: retry later" : "the harvest could not run",
    error: input.error,
    startedMs: input.startedMs,
    now: new Date(),
    nowMs: performance.now(),
  });
  writeHarvestResult(result, options.summaryJson, input.io.stdout);
}
