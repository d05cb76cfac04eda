/**
 * `tv-harvester harvest [--max-pages N] [--no-omdb] [--no-scrape] [--resume] [--full] [--refresh ID…]`: one harvest
 * run, incremental when the last successful one is recent (docs/refresh.md); `--full` ignores the refresh ages,
 * `--refresh` forces the named series (TMDB ids).
 * Exit code 0 when the run succeeded, 1 when it failed (including failed-quality), 130 / 143 when SIGINT /
 * SIGTERM interrupted it (the run is then `interrupted` and `harvest --resume` continues it; a run that
 * stopped because it lost the harvest lock is `interrupted` too, and exits 1). With
 * PUSHGATEWAY_URL set, the run's metrics are pushed to the Pushgateway at the end.
 */
import type { App } from "../app.js";
import { runHarvest, type HarvestOptions } from "../pipeline/harvest.js";
import { silentProgress, terminalProgress } from "../pipeline/progress.js";
import { formatSummary } from "../pipeline/summary.js";
import { pushHarvestMetrics } from "../metrics/push.js";
import { errorMessage } from "../errors.js";
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
}

/** Runs a harvest with a progress bar on a terminal, prints the summary, and returns the exit code. */
export async function harvestCommand(app: App, options: HarvestCommandOptions, io: CommandIO, trigger = "cli"): Promise<number> {
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
    // A stalled run is logged and exported (src/ops/watchdog.ts); a one-shot run is not stopped for it.
    summary = await watchHarvest(app, { stallAfterMs: app.config.stallAfterMs, stopOnStall: false, progress, signal: stop.signal }, (w) =>
      runHarvest(app, { ...harvestOptions, progress: w.progress }),
    );
  } finally {
    stop.dispose();
  }
  io.stdout(`${formatSummary(summary)}\n`);
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
  if (summary.status === "interrupted") {
    io.stderr(
      `Harvest run ${summary.runId} interrupted with ${summary.seriesLoaded} series loaded; continue it with: tv-harvester harvest --resume\n`,
    );
    // Not stopped by a signal: the run lost the harvest lock (see src/pipeline/lock.ts), a failure to report.
    return stop.exitCode() ?? 1;
  }
  return summary.status === "succeeded" ? 0 : 1;
}
