/**
 * `tv-harvester serve`: the long-running mode. Applies pending migrations, serves `/metrics` and
 * `/healthz` (liveness) and `/readyz` (readiness: the database and the last run) on METRICS_PORT, harvests on HARVEST_SCHEDULE (cron, UTC; default Mondays 03:00), catches up
 * a missed harvest at start-up, and stops cleanly on SIGTERM/SIGINT: a harvest in progress stops taking new
 * work, finishes its in-flight writes and is marked `interrupted` (the next start resumes it), then the
 * database closes. Exit code 0 after a stop while idle, 130 / 143 when a harvest was interrupted; a second
 * signal ends the process at once. The scheduling decisions live in src/ops/schedule.ts; two replicas never
 * harvest at once thanks to the harvest's advisory lock. On the days between weekly harvests, TOPUP_SCHEDULE (default
 * daily 04:00) runs enrichment top-ups (trigger `topup`: the day's remaining OMDb budget and the sites' time on the most
 * overdue series; src/ops/topup.ts).
 */
import type { App, CreateAppOptions } from "../app.js";
import type { Config } from "../config.js";
import { databaseTarget } from "../db/target.js";
import { DatabaseProbe } from "../metrics/database-probe.js";
import { HarvesterMetrics } from "../metrics/metrics.js";
import { refreshOmdbBudget, restoreMetrics } from "../metrics/restore.js";
import { startMetricsServer, type ReadinessReport } from "../metrics/server.js";
import { HarvestScheduler, nextScheduledTime, previousScheduledTime, type ScheduleHistory } from "../ops/schedule.js";
import { TopUpScheduler } from "../ops/topup.js";
import { watchHarvest } from "../ops/watchdog.js";
import { silentProgress } from "../pipeline/progress.js";
import type { HarvestOptions } from "../pipeline/harvest.js";
import { errorMessage } from "../errors.js";
import { redactUrl } from "../secrets.js";
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
  /** Milliseconds between two probes of the database (default 15000). */
  databaseProbeIntervalMs?: number;
  /** Where the JSON log lines go (default stdout). */
  logDestination?: CreateAppOptions["logDestination"];
}

/**
 * {@link ScheduleHistory} read from table harvest_run. With `metrics`, every run closed as abandoned counts in
 * `tv_harvester_harvest_runs_abandoned_total`.
 */
export function harvestRunHistory(app: Pick<App, "prisma">, metrics?: HarvesterMetrics): ScheduleHistory {
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
        // Keyed runs (`harvest --run-key`) belong to their orchestrator: serve neither resumes nor abandons them.
        where: { runKey: null, OR: [{ status: "interrupted" }, { status: "running", heartbeatAt: { lt: staleBefore } }] },
        orderBy: { id: "desc" },
        select: { id: true, status: true, startedAt: true },
      });
      return runs.flatMap((r) =>
        r.status === "running" || r.status === "interrupted" ? [{ id: r.id, status: r.status, startedAt: r.startedAt }] : [],
      );
    },
    async abandonRun(id, reason, at) {
      const { count } = await prisma.harvestRun.updateMany({
        where: { id, status: { in: ["running", "interrupted"] } },
        data: { status: "abandoned", finishedAt: at, error: reason },
      });
      metrics?.runsAbandoned.inc(count);
    },
  };
}

/**
 * The next weekly harvest still to be done, Unix seconds: the first slot of `schedule` after the last success;
 * with no success ever, the latest slot at or before `startedAt` (the catch-up's), else the first after it.
 * Feeds `tv_harvester_next_harvest_timestamp_seconds`: a slot that passes without a success shows as a time in the past.
 */
export function nextHarvestAt(schedule: string, lastSuccessUnix: number | null, startedAt: Date): number | null {
  const at =
    lastSuccessUnix !== null
      ? nextScheduledTime(schedule, new Date(lastSuccessUnix * 1000))
      : (previousScheduledTime(schedule, startedAt) ?? nextScheduledTime(schedule, startedAt));
  return at === null ? null : at.getTime() / 1000;
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
    logDestination: options.logDestination,
    onEmbeddedDatabase: (url) => io.stderr(`Embedded PostgreSQL running (data in ${config.embeddedPostgres.dataDir}): ${redactUrl(url)}\n`),
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
  let probe: DatabaseProbe | undefined;
  try {
    // Every gauge the alerts and boards read tells the truth from the first scrape (unknown: absent, never 0).
    const omdb = { apiKey: config.omdb.apiKey, dailyBudget: config.omdb.dailyBudget };
    await restoreMetrics({ prisma: app.prisma, metrics, now: app.now, omdb });
    const startedAt = app.now();
    metrics.setNextHarvest(() => nextHarvestAt(config.harvestSchedule, metrics.lastSuccess(), startedAt));

    scheduler = new HarvestScheduler({
      schedule: config.harvestSchedule,
      now: app.now,
      history: harvestRunHistory(app, metrics),
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
    const target = databaseTarget(app.databaseUrl).text;
    const selectOne = async () => {
      await app.prisma.$queryRaw`SELECT 1`;
    };
    probe = new DatabaseProbe({
      check: selectOne,
      metrics,
      logger: log,
      target,
      intervalMs: options.databaseProbeIntervalMs,
      scrub: (text) => app.scrubber.scrubText(text),
      onUp: () => refreshOmdbBudget({ prisma: app.prisma, metrics, now: app.now, omdb }),
    });
    probe.start();
    server = await startMetricsServer({
      metrics,
      port: config.metricsPort,
      host: options.host,
      scrub: (text) => app.scrubber.scrubText(text),
      // Liveness: answering at all proves the process and its event loop. A database outage is not cured by a
      // restart of serve: it is reported by /readyz and tv_harvester_database_up (TvHarvesterDatabaseDown).
      healthCheck: async () => undefined,
      readiness: () => readiness(app, target),
    });
    log.info({ port: server.port, schedule: config.harvestSchedule, database: target }, "serving /metrics, /healthz and /readyz");

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
    await probe?.stop();
    await scheduler?.stop(0);
    await topUps?.stop(0);
    await server?.close().catch(() => undefined);
    await app.close();
    // Last: the shutdown deadline also covers the closing above.
    stop.dispose();
  }
}

/**
 * `/readyz`: ready when the database answers; the report names the database (never the password) and the last
 * harvest run (id, trigger, status, stage, times, error) so that one request says what state serve is in.
 */
async function readiness(app: Pick<App, "prisma">, target: string): Promise<ReadinessReport> {
  try {
    const last = await app.prisma.harvestRun.findFirst({
      orderBy: { id: "desc" },
      select: { id: true, trigger: true, status: true, stage: true, startedAt: true, finishedAt: true, error: true },
    });
    return {
      ready: true,
      report: {
        database: { target, reachable: true },
        lastRun: last === null ? null : { ...last, startedAt: last.startedAt.toISOString(), finishedAt: last.finishedAt?.toISOString() ?? null },
      },
    };
  } catch (error) {
    return { ready: false, report: { database: { target, reachable: false, error: errorMessage(error) }, lastRun: null } };
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
