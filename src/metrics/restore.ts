/**
 * Restores, at `serve`'s start, every gauge that the alert rules (prometheus/rules) and the boards
 * (grafana/dashboards) read, from what the database already knows: the last weekly run (status, finish time,
 * duration, series), the last success, the last quality evaluation (results, null ratios, rating coverage),
 * the overdue counts of the last run's summary, and today's OMDb budget. A process that just started then
 * tells the same story as the one before it; what the database does not know stays absent (never 0).
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { RATING_SOURCES } from "../domain.js";
import { OmdbBudget, utcDay } from "../load/omdb-budget.js";
import type { HarvesterMetrics, LastRunStatus } from "./metrics.js";

/** What {@link restoreMetrics} reads. */
export interface RestoreMetricsDeps {
  prisma: PrismaClient;
  metrics: HarvesterMetrics;
  now: () => Date;
  /** OMDb's key (undefined: OMDb disabled, no budget gauge) and its daily budget (OMDB_DAILY_BUDGET). */
  omdb: { apiKey: string | undefined; dailyBudget: number };
}

/** Statuses of a run that finished as a harvest (an `abandoned` run was closed by serve, it did not finish). */
const FINISHED_STATUSES = ["succeeded", "failed", "failed_quality", "interrupted"] as const satisfies readonly LastRunStatus[];

/** The parts of `harvest_run.summary` read here (src/pipeline/run-state.ts writes it); anything else is ignored. */
const storedSummary = z.object({
  durationSeconds: z.number().nonnegative().optional(),
  refresh: z
    .object({
      overdue: z.record(z.string(), z.object({ overdue: z.number().int().nonnegative(), oldestValueAgeSeconds: z.number().nullable() })),
    })
    .nullish(),
});

const coverageRows = z.array(z.object({ source_key: z.string(), n: z.number().int() }));
const countRow = z.array(z.object({ n: z.number().int() }));

/**
 * Sets the restorable gauges of `deps.metrics` from the database. Runs of trigger `topup` enrich only: the
 * run gauges keep the weekly harvest's, as src/pipeline/harvest.ts does while running.
 * @throws database errors (serve then fails to start, naming the database).
 */
export async function restoreMetrics(deps: RestoreMetricsDeps): Promise<void> {
  await restoreRuns(deps);
  await restoreQuality(deps);
  await restoreOverdue(deps);
  await refreshOmdbBudget(deps);
}

async function restoreRuns({ prisma, metrics }: RestoreMetricsDeps): Promise<void> {
  const weekly = { trigger: { not: "topup" } } as const;
  const [success, last] = await Promise.all([
    prisma.harvestRun.findFirst({ where: { ...weekly, status: "succeeded" }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true } }),
    prisma.harvestRun.findFirst({
      where: { ...weekly, status: { in: [...FINISHED_STATUSES] }, finishedAt: { not: null } },
      orderBy: { finishedAt: "desc" },
      select: { status: true, startedAt: true, finishedAt: true, seriesLoaded: true, summary: true },
    }),
  ]);
  if (success?.finishedAt) metrics.setLastSuccess(success.finishedAt.getTime() / 1000);
  if (!last?.finishedAt) return;
  const status = FINISHED_STATUSES.find((s) => s === last.status);
  if (status) metrics.setLastRunStatus(status);
  metrics.lastRunTimestamp.set(last.finishedAt.getTime() / 1000);
  metrics.seriesHarvested.set(last.seriesLoaded);
  const summary = storedSummary.safeParse(last.summary);
  // A resumed run's summary counts every attempt; without a summary the wall time between start and finish.
  const duration = summary.success && summary.data.durationSeconds !== undefined ? summary.data.durationSeconds : null;
  metrics.lastRunDuration.set(duration ?? (last.finishedAt.getTime() - last.startedAt.getTime()) / 1000);
}

/** The newest evaluation of the expectations (a pipeline run's or `check --store`'s), as the pipeline sets it. */
async function restoreQuality({ prisma, metrics }: RestoreMetricsDeps): Promise<void> {
  const newest = await prisma.qualityCheckResult.findFirst({ orderBy: [{ checkedAt: "desc" }, { runId: "desc" }], select: { runId: true } });
  if (!newest) return;
  const results = await prisma.qualityCheckResult.findMany({
    where: { runId: newest.runId },
    select: { checkName: true, severity: true, passed: true, observed: true },
  });
  for (const r of results) {
    metrics.qualityCheckPassed.set({ check: r.checkName, severity: r.severity }, r.passed ? 1 : 0);
    // not_null.<column> observes the null ratio of that column (src/quality/expectations.ts).
    if (r.checkName.startsWith("not_null.") && r.observed !== null)
      metrics.nullRatio.set({ column: r.checkName.slice("not_null.".length) }, r.observed);
  }
  // The run's series: those it saw in the listing and those it wrote a fact for (the expectations' run_series).
  const [total] = countRow.parse(
    await prisma.$queryRaw`
      SELECT count(*)::int AS n FROM (
        SELECT series_id FROM series_dim WHERE last_seen_run_id = ${newest.runId}
        UNION SELECT series_id FROM rating_fact WHERE run_id = ${newest.runId}) s`,
  );
  if (!total || total.n === 0) return;
  const coverage = coverageRows.parse(
    await prisma.$queryRaw`
      SELECT source_key, count(DISTINCT series_id)::int AS n FROM rating_fact WHERE run_id = ${newest.runId} GROUP BY source_key`,
  );
  for (const source of RATING_SOURCES) {
    metrics.ratingCoverage.set({ source }, (coverage.find((c) => c.source_key === source)?.n ?? 0) / total.n);
  }
}

/** Overdue counts and oldest value ages per source, from the newest run that recorded them in its summary. */
async function restoreOverdue({ prisma, metrics }: RestoreMetricsDeps): Promise<void> {
  const runs = await prisma.harvestRun.findMany({
    where: { summary: { not: { equals: null } }, finishedAt: { not: null } },
    orderBy: { finishedAt: "desc" },
    take: 5,
    select: { summary: true },
  });
  for (const run of runs) {
    const parsed = storedSummary.safeParse(run.summary);
    const overdue = parsed.success ? parsed.data.refresh?.overdue : undefined;
    if (!overdue) continue;
    for (const [source, stat] of Object.entries(overdue)) {
      metrics.overdueSeries.set({ source }, stat.overdue);
      if (stat.oldestValueAgeSeconds !== null) metrics.oldestValueAge.set({ source }, stat.oldestValueAgeSeconds);
    }
    return;
  }
}

/**
 * Sets today's OMDb budget left (omdb_budget, UTC day) and whether OMDb is enabled at all. Without a key the
 * budget gauge is absent: OMDb is disabled, not exhausted. `serve` calls it again with every database probe,
 * so that the gauge turns over at midnight UTC without waiting for a run.
 * @throws database errors.
 */
export async function refreshOmdbBudget({ prisma, metrics, now, omdb }: RestoreMetricsDeps): Promise<void> {
  if (omdb.apiKey === undefined) {
    metrics.omdbEnabled.set(0);
    metrics.omdbBudgetRemaining.unset();
    metrics.omdbLimitReached.unset();
    return;
  }
  metrics.omdbEnabled.set(1);
  metrics.omdbBudgetRemaining.set(await new OmdbBudget(prisma, omdb.dailyBudget, now).remaining());
  const today = await prisma.omdbBudget.findUnique({ where: { day: new Date(`${utcDay(now())}T00:00:00Z`) }, select: { limitReachedAt: true } });
  metrics.omdbLimitReached.set(today?.limitReachedAt ? 1 : 0);
}
