/**
 * The stalled-run watchdog: a harvest that makes no progress (no answer received, no row written) for
 * `stallAfterMs` (HARVEST_STALL_SECONDS, default 15 minutes) is stalled. It is logged and exported:
 *
 * - `tv_harvester_harvest_last_progress_timestamp_seconds`: Unix seconds of the running harvest's last progress,
 *   absent when no harvest runs;
 * - `tv_harvester_harvest_stalled`: 1 while the running harvest is considered stalled, else 0;
 * - `tv_harvester_harvest_stalls_total`: harvests found stalled.
 *
 * In `serve` a stalled harvest is also stopped (its signal aborts): the run ends `interrupted` and the next slot
 * resumes it. The {@link StallWatchdog} holds the policy on an injected clock; {@link watchHarvest} wires one to a
 * run: every answer of the app's HTTP clients and every step of the run's progress reporter (a page, a series, an
 * enrichment done, a stage started) counts as progress, and a timer checks.
 */
import type { Logger } from "pino";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import type { ProgressReporter } from "../pipeline/progress.js";

/** Settings of a {@link StallWatchdog}. */
export interface StallWatchdogOptions {
  /** No progress for this long (ms) makes the harvest stalled. */
  stallAfterMs: number;
  /** Clock, ms since the epoch. */
  now: () => number;
  metrics?: HarvesterMetrics;
  logger?: Logger;
  /** Called once per stall, when it is found. */
  onStall?: (stall: { sinceMs: number; lastProgressAt: Date }) => void;
}

/** The watchdog of one harvest: {@link start}, {@link progress} as work advances, {@link check} now and then, {@link stop}. */
export class StallWatchdog {
  private lastProgressAt: number;
  private stalled = false;
  private running = false;

  constructor(private readonly options: StallWatchdogOptions) {
    this.lastProgressAt = options.now();
  }

  /** Whether the harvest is considered stalled now (as of the last {@link check}). */
  get isStalled(): boolean {
    return this.stalled;
  }

  /** The harvest starts: its start counts as progress. */
  start(): void {
    this.running = true;
    this.stalled = false;
    this.options.metrics?.harvestStalled.set(0);
    this.progress();
  }

  /** The harvest made progress (an answer, a row, a step). A stalled harvest that moves again is no longer stalled. */
  progress(): void {
    if (!this.running) return;
    this.lastProgressAt = this.options.now();
    this.options.metrics?.setHarvestProgress(Math.floor(this.lastProgressAt / 1000));
    if (this.stalled) {
      this.stalled = false;
      this.options.metrics?.harvestStalled.set(0);
      this.options.logger?.info("the stalled harvest makes progress again");
    }
  }

  /**
   * Looks at the time since the last progress: at `stallAfterMs` or more, the harvest is stalled (counted, logged
   * and `onStall` called once per stall).
   * @returns whether it is stalled
   */
  check(): boolean {
    if (!this.running) return false;
    const sinceMs = this.options.now() - this.lastProgressAt;
    if (sinceMs >= this.options.stallAfterMs && !this.stalled) {
      this.stalled = true;
      const lastProgressAt = new Date(this.lastProgressAt);
      this.options.metrics?.harvestStalled.set(1);
      this.options.metrics?.harvestStalls.inc();
      this.options.logger?.error(
        { lastProgressAt: lastProgressAt.toISOString(), stalledSeconds: Math.round(sinceMs / 1000) },
        "harvest stalled: no answer received and no row written",
      );
      this.options.onStall?.({ sinceMs, lastProgressAt });
    }
    return this.stalled;
  }

  /** The harvest ended: the last-progress gauge is no longer exported, the stalled gauge reads 0. */
  stop(): void {
    this.running = false;
    this.stalled = false;
    this.options.metrics?.clearHarvestProgress();
  }
}

/** What {@link watchHarvest} needs of the app: its clients (for their answers), metrics, logger. */
export interface WatchedApp {
  clients: Record<string, { onAnswer?(listener: () => void): () => void }>;
  metrics: HarvesterMetrics;
  logger: Logger;
}

/** Options of {@link watchHarvest}. */
export interface WatchHarvestOptions {
  stallAfterMs: number;
  /** Abort the run's signal when it stalls (`serve`); otherwise it is only logged and exported. */
  stopOnStall: boolean;
  /** The run's own progress reporter, passed through. */
  progress: ProgressReporter;
  /** The run's stop signal (SIGINT/SIGTERM), combined with the watchdog's. */
  signal?: AbortSignal;
  /** Clock, ms since the epoch (default Date.now). */
  now?: () => number;
  /** How often to check, ms (default a tenth of `stallAfterMs`, between 1 and 30 seconds). */
  checkEveryMs?: number;
}

/** What a watched run receives: pass `progress` and `signal` to `runHarvest`. */
export interface WatchedRun {
  progress: ProgressReporter;
  signal: AbortSignal | undefined;
  watchdog: StallWatchdog;
}

/**
 * Runs `run` under a {@link StallWatchdog}: the clients' answers and the progress reporter's steps count as
 * progress; a timer checks every `checkEveryMs`. With `stopOnStall`, a stall aborts the signal given to `run`.
 * Everything is undone when `run` settles.
 */
export async function watchHarvest<T>(app: WatchedApp, options: WatchHarvestOptions, run: (watched: WatchedRun) => Promise<T>): Promise<T> {
  const stopper = new AbortController();
  const watchdog = new StallWatchdog({
    stallAfterMs: options.stallAfterMs,
    now: options.now ?? Date.now,
    metrics: app.metrics,
    logger: app.logger.child({ component: "watchdog" }),
    onStall: () => {
      if (options.stopOnStall) stopper.abort(new Error("the harvest stalled"));
    },
  });
  const inner = options.progress;
  const progress: ProgressReporter = {
    start(bar, total) {
      watchdog.progress();
      inner.start(bar, total);
    },
    tick(bar, n) {
      watchdog.progress();
      inner.tick(bar, n);
    },
    stop() {
      inner.stop();
    },
  };
  const unsubscribe = Object.values(app.clients).map((c) => c.onAnswer?.(() => watchdog.progress()));
  const every = options.checkEveryMs ?? Math.min(30_000, Math.max(1000, options.stallAfterMs / 10));
  watchdog.start();
  const timer = setInterval(() => watchdog.check(), every);
  timer.unref();
  const signals = [...(options.signal ? [options.signal] : []), ...(options.stopOnStall ? [stopper.signal] : [])];
  try {
    return await run({ progress, signal: signals.length === 0 ? undefined : AbortSignal.any(signals), watchdog });
  } finally {
    clearInterval(timer);
    for (const off of unsubscribe) off?.();
    watchdog.stop();
  }
}
