/**
 * `tv-harvester serve`: the long-running mode. Applies pending migrations, serves `/metrics` and
 * `/healthz` on METRICS_PORT, harvests on HARVEST_SCHEDULE (cron, UTC; default Mondays 03:00), catches up
 * a missed harvest at start-up, and stops cleanly on SIGTERM/SIGINT: a harvest in progress stops taking new
 * work, finishes its in-flight writes and is marked `interrupted` (the next start resumes it), then the
 * database closes. Exit code 0 after a stop while idle, 130 / 143 when a harvest was interrupted; a second
 * signal ends the process at once. The scheduling decisions live in src/ops/schedule.ts; two replicas never
 * harvest at once thanks to the harvest's advisory lock. On the days between weekly harvests, TOPUP_SCHEDULE (default
 * daily 04:00) runs enrichment top-ups (trigger `topup`: the day's remaining OMDb budget and the sites' time on the most
 * overdue series; src/ops/topup.ts).
 */
import type { App } from "../app.js";
import type { Config } from "../config.js";
import { applyMigrations } from "../db/migrate.js";
import { HarvesterMetrics } from "../metrics/metrics.js";
import { startMetricsServer } from "../metrics/server.js";
import { HarvestScheduler, type ScheduleHistory } from "../ops/schedule.js";
import { TopUpScheduler } from "../ops/topup.js";
import { watchHarvest } from "../ops/watchdog.js";
import { silentProgress } from "../pipeline/progress.js";
import type { HarvestOptions } from "../pipeline/harvest.js";
import type { CommandIO } from "./io.js";
import { signalExitCode, trapStopSignals, type StopSignal } from "./signals.js";

/** Options for tests and embedding; the CLI passes none. */
export interface ServeOptions {
  /** Stops the service when aborted; default: the first SIGTERM or SIGINT. */
  signal?: AbortSignal;
  /** Interface for /metrics and /healthz (default 0.0.0.0). */
  host?: string;
  /** Called once the HTTP server listens and the schedule has started. */
  onReady?: (info: { port: number; catchUp: boolean; scheduler: HarvestScheduler; app: App }) => void;
  /** Extra options for every harvest (e.g. maxPages in tests). */
  harvestOptions?: Omit<HarvestOptions, "trigger" | "resume">;
  /** How long a stop waits for a running harvest to finish its in-flight writes, milliseconds (default SHUTDOWN_DEADLINE_SECONDS). */
  shutdownGraceMs?: number;
  /** Clock (default the system's). */
  now?: () => Date;
}

/** {@link ScheduleHistory} read from table harvest_run. */
export function harvestRunHistory(app: Pick<App, "prisma">): ScheduleHistory {
  const { prisma } = app;
  return {
    async lastSuccessAt() {
      // Top-up runs enrich only: they are not the weekly harvest of a slot.
      const run = await prisma.harvestRun.findFirst({
        where: { status: "succeeded", trigger: { not: "topup" } },
        orderBy: { finishedAt: "desc" },
        select: { finishedAt: true },
      });
      return run?.finishedAt ?? null;
    },
    async runStartedSince(since) {
      return (await prisma.harvestRun.count({ where: { startedAt: { gte: since }, trigger: { not: "topup" } } })) > 0;
    },
    async interruptedRunSince(since, staleBefore) {
      const newest = await prisma.harvestRun.findFirst({
        where: { trigger: { not: "topup" } },
        orderBy: { id: "desc" },
        select: { status: true, startedAt: true, heartbeatAt: true },
      });
      if (newest === null || newest.startedAt < since) return false;
      return newest.status === "interrupted" || newest.status === "failed" || (newest.status === "running" && newest.heartbeatAt < staleBefore);
    },
    async openRuns(staleBefore) {
      const runs = await prisma.harvestRun.findMany({
        where: { OR: [{ status: "interrupted" }, { status: "running", heartbeatAt: { lt: staleBefore } }] },
        orderBy: { id: "desc" },
        select: { id: true, status: true, startedAt: true },
      });
      return runs.flatMap((r) =>
        r.status === "running" || r.status === "interrupted" ? [{ id: r.id, status: r.status, startedAt: r.startedAt }] : [],
      );
    },
    async abandonRun(id, reason, at) {
      await prisma.harvestRun.updateMany({
        where: { id, status: { in: ["running", "interrupted"] } },
        data: { status: "abandoned", finishedAt: at, error: reason },
      });
    },
  };
}

/**
 * Sets the run timestamps of `metrics` from the database, so that after a restart the freshness gauge and
 * the "harvest failed" / "no success for 8 days" alerts see the real history, not zeros.
 */
export async function restoreRunMetrics(app: Pick<App, "prisma">, metrics: HarvesterMetrics): Promise<void> {
  const [success, last] = await Promise.all([
    app.prisma.harvestRun.findFirst({
      where: { status: "succeeded", trigger: { not: "topup" } },
      orderBy: { finishedAt: "desc" },
      select: { finishedAt: true },
    }),
    app.prisma.harvestRun.findFirst({
      where: { finishedAt: { not: null }, trigger: { not: "topup" } },
      orderBy: { finishedAt: "desc" },
      select: { finishedAt: true },
    }),
  ]);
  if (success?.finishedAt) metrics.setLastSuccess(success.finishedAt.getTime() / 1000);
  if (last?.finishedAt) metrics.lastRunTimestamp.set(last.finishedAt.getTime() / 1000);
}

/**
 * Runs the service until SIGTERM/SIGINT (or `options.signal`). Returns 0 after a clean stop.
 * @throws {ConfigError} for an invalid HARVEST_SCHEDULE; Error when migrations fail or the port is taken.
 */
export async function serveCommand(config: Config, io: CommandIO, options: ServeOptions = {}): Promise<number> {
  const [{ createApp }, { runHarvest }] = await Promise.all([import("../app.js"), import("../pipeline/harvest.js")]);
  const metrics = new HarvesterMetrics({ defaultMetrics: true });
  const app = await createApp(config, {
    metrics,
    now: options.now,
    onEmbeddedDatabase: (url) => io.stderr(`Embedded PostgreSQL running (data in ${config.embeddedPostgres.dataDir}): ${url}\n`),
  });
  const log = app.logger.child({ component: "serve" });
  // Aborted at stop: the harvest in progress, if any, stops taking work and is marked interrupted.
  const harvests = new AbortController();
  let interruptedRun: number | undefined;
  // A stop waits SHUTDOWN_DEADLINE_SECONDS for the writes in flight; a second later the process ends anyway.
  const graceMs = options.shutdownGraceMs ?? config.shutdownDeadlineMs;
  const stop = stopSignals(options.signal, io, graceMs + 1000);
  let server: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  let scheduler: HarvestScheduler | undefined;
  let topUps: TopUpScheduler | undefined;
  try {
    const migrations = await applyMigrations(app.databaseUrl);
    if (migrations.applied.length > 0) log.info({ applied: migrations.applied }, "migrations applied");
    await restoreRunMetrics(app, metrics);

    scheduler = new HarvestScheduler({
      schedule: config.harvestSchedule,
      now: app.now,
      history: harvestRunHistory(app),
      retry: config.harvestRetry,
      logger: log,
      harvest: async ({ resume, trigger }) => {
        // A stalled harvest is stopped as interrupted (src/ops/watchdog.ts); the next slot resumes it.
        const watch = {
          stallAfterMs: config.stallAfterMs,
          stopOnStall: true,
          progress: options.harvestOptions?.progress ?? silentProgress,
          signal: harvests.signal,
        };
        const summary = await watchHarvest(app, watch, (w) =>
          runHarvest(app, { ...options.harvestOptions, resume, trigger, progress: w.progress, signal: w.signal }),
        );
        if (summary.status === "interrupted") {
          interruptedRun = summary.runId;
          log.warn({ runId: summary.runId }, "harvest run interrupted; it is resumed at the next start (or with: tv-harvester harvest --resume)");
        }
        return summary;
      },
    });
    const weekly = scheduler;
    topUps = new TopUpScheduler({
      schedule: config.topUpSchedule,
      harvestSchedule: config.harvestSchedule,
      now: app.now,
      busy: () => weekly.busy,
      logger: log,
      topUp: () => runHarvest(app, { ...options.harvestOptions, topup: true, trigger: "topup", signal: harvests.signal }),
    });
    server = await startMetricsServer({
      metrics,
      port: config.metricsPort,
      host: options.host,
      scrub: (text) => app.scrubber.scrubText(text),
      healthCheck: async () => {
        await app.prisma.$queryRaw`SELECT 1`;
      },
    });
    log.info({ port: server.port, schedule: config.harvestSchedule }, "serving /metrics and /healthz");

    const catchUp = await scheduler.start();
    topUps.start();
    options.onReady?.({ port: server.port, catchUp, scheduler, app });
    const reason = await stop.stopped;
    log.info({ reason }, "stopping");
    harvests.abort(new Error(`serve stopping (${reason})`));
    const [finished] = await Promise.all([scheduler.stop(graceMs), topUps.stop(graceMs)]);
    if (!finished) log.warn({}, "a harvest was still running; it will be resumed at the next start");
    const signal = stop.received();
    return (interruptedRun !== undefined || !finished) && signal !== undefined ? signalExitCode(signal) : 0;
  } finally {
    await scheduler?.stop(0);
    await topUps?.stop(0);
    await server?.close().catch(() => undefined);
    await app.close();
    // Last: the shutdown deadline also covers the closing above.
    stop.dispose();
  }
}

/**
 * What stops the service: `signal` when given (tests, embedding), else the first SIGTERM/SIGINT; a second
 * signal ends the process at once.
 */
function stopSignals(
  signal: AbortSignal | undefined,
  io: CommandIO,
  deadlineMs: number,
): { stopped: Promise<string>; received(): StopSignal | undefined; dispose(): void } {
  if (signal) {
    return {
      stopped: new Promise((resolve) => {
        if (signal.aborted) resolve("aborted");
        else signal.addEventListener("abort", () => resolve("aborted"), { once: true });
      }),
      received: () => undefined,
      dispose: () => undefined,
    };
  }
  let resolveStopped: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (resolveStopped = resolve));
  const trap = trapStopSignals({
    onFirst: (name) => resolveStopped(name),
    onSecond: (name) => {
      io.stderr(`${name} again: quitting now\n`);
      io.exitNow?.(signalExitCode(name));
    },
    deadlineMs,
    onDeadline: (name) => {
      io.stderr(`${name}: the shutdown deadline passed; quitting now\n`);
      io.exitNow?.(signalExitCode(name));
    },
  });
  return { stopped, received: trap.received, dispose: trap.dispose };
}
