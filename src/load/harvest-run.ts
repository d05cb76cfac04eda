/**
 * `harvest_run`: the one module that writes a run's row — start or resume, the stage reached, the
 * heartbeat, the counts so far, and the end (status, counts, summary, error).
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { RATING_SOURCES, type RatingSourceKey } from "../domain.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { HarvestRunStatus, HarvestTrigger } from "../generated/prisma/enums.js";

/** Options a run was started with; a resumed run keeps them (`harvest_run.options`). */
export interface RunOptions {
  maxPages: number | null;
  omdb: boolean;
  scrape: boolean;
}

/** Statuses a run can be resumed from (`harvest --resume`). */
export const RESUMABLE_STATUSES: readonly HarvestRunStatus[] = ["running", "failed", "interrupted"];

/** The run's row as the pipeline needs it. */
export interface StartedRun {
  runId: number;
  startedAt: Date;
  resumed: boolean;
  options: RunOptions;
  /** What started it (cli, schedule, demo, test, topup, bench). */
  trigger: HarvestTrigger;
  /** Steps the run completed in earlier attempts (empty for a new run). */
  stepsCompleted: string[];
  /** `harvest_run.step_results` as stored (checked by the pipeline, src/pipeline/steps.ts). */
  stepResults: unknown;
  /** `harvest_run.plan` as stored (null before the listing step; checked by src/pipeline/plan.ts). */
  plan: unknown;
}

/** Thrown by {@link resumeRunRow} when there is no run to resume. */
export class NothingToResumeError extends Error {
  constructor() {
    super("nothing to resume: no interrupted or failed harvest run since the last completed one");
    this.name = "NothingToResumeError";
  }
}

/** Creates the row of a new run (`status = running`), with its run key when it has one (`harvest --run-key`). */
export async function startRunRow(
  prisma: PrismaClient,
  input: { trigger: HarvestTrigger; options: RunOptions; at: Date; runKey?: string },
): Promise<StartedRun> {
  const run = await prisma.harvestRun.create({
    data: {
      trigger: input.trigger,
      options: { ...input.options },
      startedAt: input.at,
      heartbeatAt: input.at,
      ...(input.runKey ? { runKey: input.runKey } : {}),
    },
  });
  return {
    runId: run.id,
    startedAt: run.startedAt,
    resumed: false,
    options: input.options,
    trigger: run.trigger,
    stepsCompleted: [],
    stepResults: {},
    plan: null,
  };
}

/**
 * Takes over the latest run without a run key that is running (its process died), failed or interrupted, when no
 * run completed after it (or run `input.runId` when it is in such a status); sets it running again and counts the
 * resume. `defaults` fill options the row lacks.
 * @throws {NothingToResumeError} when there is no such run
 */
export async function resumeRunRow(prisma: PrismaClient, input: { defaults: RunOptions; at: Date; runId?: number }): Promise<StartedRun> {
  const candidate = await prisma.harvestRun.findFirst({
    // A keyed run is resumed by its key (`harvest --run-key`) only, never taken over by a plain `--resume`.
    where: { status: { in: [...RESUMABLE_STATUSES] }, ...(input.runId === undefined ? { runKey: null } : { id: input.runId }) },
    orderBy: { id: "desc" },
  });
  const newerDone = candidate
    ? await prisma.harvestRun.findFirst({ where: { id: { gt: candidate.id }, status: { in: ["succeeded", "failed_quality"] } } })
    : null;
  if (!candidate || newerDone) throw new NothingToResumeError();
  const options = { ...input.defaults };
  const saved = candidate.options;
  if (saved && typeof saved === "object" && !Array.isArray(saved)) {
    if (typeof saved.maxPages === "number") options.maxPages = saved.maxPages;
    if (typeof saved.omdb === "boolean") options.omdb = saved.omdb;
    if (typeof saved.scrape === "boolean") options.scrape = saved.scrape;
  }
  await prisma.harvestRun.update({
    where: { id: candidate.id },
    data: { status: "running", error: null, finishedAt: null, heartbeatAt: input.at, resumeCount: { increment: 1 } },
  });
  return {
    runId: candidate.id,
    startedAt: candidate.startedAt,
    resumed: true,
    options,
    trigger: candidate.trigger,
    stepsCompleted: candidate.stepsCompleted,
    stepResults: candidate.stepResults,
    plan: candidate.plan,
  };
}

/** What the end of a run records. `summary` is the JSON summary (see src/pipeline/run-state.ts). */
export interface RunEnd {
  status: HarvestRunStatus;
  at: Date;
  seriesLoaded: number;
  /** Listed series lost (after their retries), gone (details 404) and rejected (by the boundary). */
  accounting: { lost: number; gone: number; rejected: number };
  factsWritten: number;
  quarantined: number;
  summary: unknown;
  error: string | null;
}

/** Writes of one run's row. Create with {@link runRow}. */
export interface RunRow {
  readonly runId: number;
  /** Records the stage the run entered (and a heartbeat). */
  enterStage(stage: string): Promise<void>;
  /** Records counts known so far. */
  recordCounts(counts: { seriesListed?: number; seriesLoaded?: number }): Promise<void>;
  /** Records a completed step and what it returned (`steps_completed`, `step_results`); a step recorded again replaces its result. */
  recordStep(step: string, result: unknown): Promise<void>;
  /** Records the run's plan (`plan`). */
  recordPlan(plan: unknown): Promise<void>;
  /** Starts a heartbeat every `intervalMs` (errors ignored: a missed beat is harmless); returns its stop. */
  startHeartbeat(intervalMs: number): () => void;
  /**
   * Records the end of the run; the stage becomes `done` unless the run failed or was interrupted (then the
   * stage reached stays, for diagnosis).
   */
  finish(end: RunEnd): Promise<void>;
}

/** The writer of `runId`'s row; `now` is the clock of heartbeats. */
export function runRow(prisma: PrismaClient, runId: number, now: () => Date): RunRow {
  const where = { id: runId };
  return {
    runId,
    async enterStage(stage) {
      await prisma.harvestRun.update({ where, data: { stage, heartbeatAt: now() } });
    },
    async recordCounts(counts) {
      await prisma.harvestRun.update({ where, data: counts });
    },
    async recordStep(step, result) {
      // One statement: the step and its result are recorded together or not at all.
      await prisma.$executeRaw`
        UPDATE harvest_run SET step_results = step_results || jsonb_build_object(${step}::text, ${JSON.stringify(result ?? null)}::jsonb),
          steps_completed = CASE WHEN ${step}::text = ANY(steps_completed) THEN steps_completed ELSE array_append(steps_completed, ${step}::text) END
        WHERE run_id = ${runId}`;
    },
    async recordPlan(plan) {
      await prisma.harvestRun.update({ where, data: { plan: toJsonValue(plan) } });
    },
    startHeartbeat(intervalMs) {
      const timer = setInterval(() => {
        prisma.harvestRun.update({ where, data: { heartbeatAt: now() } }).catch(() => undefined);
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    async finish(end) {
      await prisma.harvestRun.update({
        where,
        data: {
          status: end.status,
          finishedAt: end.at,
          stage: end.status === "failed" || end.status === "interrupted" ? undefined : "done",
          seriesLoaded: end.seriesLoaded,
          seriesLost: end.accounting.lost,
          seriesGone: end.accounting.gone,
          seriesRejected: end.accounting.rejected,
          factsWritten: end.factsWritten,
          quarantined: end.quarantined,
          summary: toJsonValue(end.summary),
          error: end.error,
        },
      });
    },
  };
}

/** The summary as Prisma JSON: a JSON round trip drops undefined fields (what the column can hold). */
function toJsonValue(value: unknown): Prisma.InputJsonValue {
  const json: unknown = JSON.parse(JSON.stringify(value ?? {}));
  return isJsonValue(json) ? json : {};
}

function isJsonValue(value: unknown): value is Prisma.InputJsonValue {
  return value !== null && value !== undefined;
}

/** A run's rows as stored, over all its attempts (see {@link countStoredRunRows}). */
export interface StoredRunCounts {
  /** `rating_fact` rows of the run, per rating source. */
  factsBySource: Partial<Record<RatingSourceKey, number>>;
  /** `rating_fact` rows of the run. */
  facts: number;
  /** Series loaded by the run: its `series_version` rows. */
  seriesLoaded: number;
  /** `quarantine` rows of the run that are not loaded: kinds `rejected` and `schema_drift` (not `flagged`). */
  quarantined: number;
}

const storedCountRows = z.array(z.object({ what: z.string(), key: z.string().nullable(), n: z.number().int() }));

/**
 * Counts what `runId` has stored, whatever the number of its attempts: a resumed run's counts are those of
 * every attempt (an in-memory counter would hold only the last attempt's). One query.
 */
export async function countStoredRunRows(prisma: PrismaClient, runId: number): Promise<StoredRunCounts> {
  const rows = storedCountRows.parse(
    await prisma.$queryRaw`
      SELECT 'fact' AS what, source_key AS key, count(*)::int AS n FROM rating_fact WHERE run_id = ${runId} GROUP BY source_key
      UNION ALL SELECT 'series', NULL, count(*)::int FROM series_version WHERE run_id = ${runId}
      UNION ALL SELECT 'quarantined', NULL, count(*)::int FROM quarantine WHERE run_id = ${runId} AND kind IN ('rejected', 'schema_drift')`,
  );
  const counts: StoredRunCounts = { factsBySource: {}, facts: 0, seriesLoaded: 0, quarantined: 0 };
  const facts = new Map<RatingSourceKey, number>();
  for (const r of rows) {
    if (r.what === "series") counts.seriesLoaded = r.n;
    else if (r.what === "quarantined") counts.quarantined = r.n;
    else if (isRatingSourceKey(r.key)) facts.set(r.key, r.n);
  }
  // In the order of the rating sources (the pipeline's: TMDB, IMDb, then the sites).
  for (const source of RATING_SOURCES) {
    const n = facts.get(source);
    if (n === undefined) continue;
    counts.factsBySource[source] = n;
    counts.facts += n;
  }
  return counts;
}

function isRatingSourceKey(key: string | null): key is RatingSourceKey {
  return RATING_SOURCES.some((k) => k === key);
}
