/**
 * The life cycle of a harvest run: the harvest lock, the run row (start or resume, phases, heartbeat, the steps
 * completed, the end), the lock-gated writers the steps write through (answers, quarantine, facts), and the summary.
 * The steps themselves are src/pipeline/steps/; the order they run in is src/pipeline/harvest.ts.
 *
 * When the lock's connection is lost the run stops as if aborted (`interrupted`, with `error` saying why): no new
 * request starts, the work in flight finishes, and the run's own writes after the loss (facts, quarantine, answers,
 * its row) wait until the lock was taken again; when it cannot be (another harvest has it), they are not made at all
 * and the row stays `running`, which `--resume` continues.
 */
import { performance } from "node:perf_hooks";
import type { HarvestTrigger } from "../generated/prisma/enums.js";
import type { App } from "../app.js";
import { errorMessage } from "../errors.js";
import { isTemporary } from "../exit-codes.js";
import type { UpstreamStats } from "../http/client.js";
import { countStoredRunRows, resumeRunRow, runRow, startRunRow, type RunOptions, type RunRow, type StartedRun } from "../load/harvest-run.js";
import { addCounts, type RowCounts } from "../load/loader.js";
import { Quarantine, type QuarantineCount } from "../load/quarantine.js";
import { readUpstreamAnswers } from "../load/upstream-answers.js";
import type { Logger } from "../logger.js";
import type { UpstreamName } from "../metrics/metrics.js";
import { AnswerStore } from "./answer-store.js";
import { acquireHarvestLock, type HarvestLock } from "./lock.js";
import { RunInterrupted, lockedAnswerWriter, lockedFacts, lockedQuarantine, whileLocked } from "./locked-writers.js";
import { harvestPlanSchema, type HarvestPlan } from "./plan.js";
import { silentProgress, type ProgressReporter } from "./progress.js";
import { requestsBetween, toSummary, type HarvestSummary, type RunOutcome } from "./run-state.js";
import type { FactWriter, QuarantineSink } from "./stages/deps.js";
import { isHarvestStep, stepResultsSchema, type HarvestStep, type RunPhase, type StepResults } from "./steps.js";

/** The run's error text when the harvest lock's connection was lost (see src/pipeline/lock.ts). */
const LOCK_LOST = "the harvest lock's database connection was lost: the run stopped (resumable with --resume)";

/** How a run is opened: a new one (with its trigger and options) or the resumable one (`resume`, or run `runId`). */
export interface OpenRunOptions {
  resume?: boolean;
  /** Resume this run (it must be running, failed or interrupted). */
  runId?: number;
  /** The key of a new run (`harvest --run-key`). */
  runKey?: string;
  trigger?: HarvestTrigger;
  maxPages?: number;
  omdb?: boolean;
  scrape?: boolean;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

/** What a step is given: the app, the run's options, its lock-gated writers, and the run's phases. */
export interface StepContext {
  readonly app: App;
  readonly runId: number;
  readonly options: RunOptions;
  readonly trigger: HarvestTrigger;
  readonly log: Logger;
  readonly progress: ProgressReporter;
  /** Aborted by the caller's signal or the loss of the lock: start no new work. */
  readonly signal: AbortSignal;
  readonly answers: AnswerStore;
  readonly quarantine: QuarantineSink;
  readonly facts: FactWriter;
  /** What the completed steps returned (the listing's genre ids…). */
  readonly results: StepResults;
  /** The run's plan (null until the listing step, or a top-up, made it). */
  readonly plan: HarvestPlan | null;
  /** Holds a write until the harvest lock is known to be held. */
  locked<T>(write: () => Promise<T>): Promise<T>;
  /**
   * Enters a phase: writes the answers so far (what a resume re-uses), stops the run when its signal aborted (a
   * phase never starts on the partial output of a stopped one), and records the phase on the run row.
   * @throws {RunInterrupted} when the run must stop
   */
  phase(name: RunPhase): Promise<void>;
  /** Records the run's plan on the run row (made once per run). */
  recordPlan(plan: HarvestPlan): Promise<void>;
  /** Registers a write to make when the run stops early (what was checked is written, as its answers are kept). */
  onStop(write: () => Promise<void>): void;
  /** Records counts known so far on the run row. */
  recordCounts(counts: { seriesListed?: number; seriesLoaded?: number }): Promise<void>;
  /** Adds rows the step wrote (per table) to the attempt's counts. */
  countRows(rows: RowCounts): void;
}

/**
 * One open run. {@link HarvestRunLifecycle.open} takes the lock and the row; {@link step} runs a step and records it;
 * {@link close} writes what is left, ends the row, releases the lock and returns the summary.
 */
export class HarvestRunLifecycle {
  private status: RunOutcome = "succeeded";
  private error: string | undefined;
  /** Whether the failure was temporary (src/exit-codes.ts): the command exits 75 instead of 1. */
  private errorRetryable = false;
  private readonly stepSeconds: Record<string, number> = {};
  /** Seconds per phase of this attempt (the summary's `stageSeconds`, finer than the steps: the benchmark reads it). */
  private readonly phaseSeconds: Record<string, number> = {};
  private phaseNow: { name: string; startedAt: number } | null = null;
  private readonly rowsWritten: RowCounts = {};
  private readonly stopWrites: (() => Promise<void>)[] = [];
  private readonly started = performance.now();
  private readonly statsBefore: Map<UpstreamName, UpstreamStats>;
  private stopHeartbeat: () => void = () => undefined;
  /** Unties the upstream clients from the run's signal (src/http/client.ts `abortOn`), at the run's end. */
  private untieClients: (() => void)[] = [];
  readonly context: StepContext;

  private constructor(
    private readonly app: App,
    private readonly lock: HarvestLock,
    readonly run: StartedRun,
    private readonly row: RunRow,
    private readonly quarantine: Quarantine,
    private readonly completed: Set<HarvestStep>,
    private readonly results: StepResults,
    private readonly progress: ProgressReporter,
    private readonly log: Logger,
    answers: AnswerStore,
    signal: AbortSignal,
  ) {
    this.statsBefore = clientStats(app);
    this.context = this.makeContext(answers, signal, harvestPlanSchema.nullable().parse(run.plan));
  }

  /**
   * Takes the harvest lock and starts (or resumes) the run's row; reads the answers an earlier attempt kept.
   * @throws {HarvestLockedError} when another harvest holds the lock
   * @throws {NothingToResumeError} when `resume` finds no run to resume
   */
  static async open(app: App, options: OpenRunOptions): Promise<HarvestRunLifecycle> {
    const { prisma } = app;
    const lock = await acquireHarvestLock(app.databaseUrl);
    const defaults: RunOptions = { maxPages: options.maxPages ?? null, omdb: options.omdb ?? true, scrape: options.scrape ?? true };
    let run: StartedRun;
    let answers: AnswerStore;
    try {
      run =
        options.resume || options.runId !== undefined
          ? await resumeRunRow(prisma, { defaults, at: app.now(), ...(options.runId === undefined ? {} : { runId: options.runId }) })
          : await startRunRow(prisma, {
              trigger: options.trigger ?? "cli",
              options: defaults,
              at: app.now(),
              ...(options.runKey ? { runKey: options.runKey } : {}),
            });
      const writer = lockedAnswerWriter(lock, prisma, run.runId);
      answers = AnswerStore.fromRows(run.runId, app.scrubber, await readUpstreamAnswers(prisma, run.runId), writer);
    } catch (error) {
      await lock.release();
      throw error;
    }
    const log = app.logger.child({ runId: run.runId });
    const quarantine = new Quarantine({ prisma, runId: run.runId, scrubber: app.scrubber, metrics: app.metrics, logger: log });
    const signal = options.signal ? AbortSignal.any([options.signal, lock.lost]) : lock.lost;
    const completed = new Set(run.stepsCompleted.filter(isHarvestStep));
    const results = stepResultsSchema.parse(run.stepResults);
    const lifecycle = new HarvestRunLifecycle(
      app,
      lock,
      run,
      runRow(prisma, run.runId, app.now),
      quarantine,
      completed,
      results,
      options.progress ?? silentProgress,
      log,
      answers,
      signal,
    );
    lifecycle.begin();
    return lifecycle;
  }

  /** The steps the run has completed (in this attempt or an earlier one). */
  get stepsCompleted(): ReadonlySet<HarvestStep> {
    return this.completed;
  }

  /** Logs the start, starts the heartbeat and watches the lock. */
  private begin(): void {
    const { log, lock, run } = this;
    lock.lost.addEventListener("abort", () => log.error("the harvest lock's database connection was lost: stopping the run"), { once: true });
    log.info(
      { resumed: run.resumed, options: run.options, stepsCompleted: [...this.completed] },
      run.resumed ? "harvest run resumed" : "harvest run started",
    );
    this.app.metrics.runInProgress.set(1);
    this.stopHeartbeat = this.row.startHeartbeat(10_000);
    // A run without its lock beats no more: a harvest that takes the lock may resume this very row.
    lock.lost.addEventListener("abort", this.stopHeartbeat, { once: true });
    // When the run stops, its HTTP requests in flight are aborted at once (their answers are not kept).
    const signal = this.context.signal;
    this.untieClients = Object.values(this.app.clients).flatMap((c) => c.abortOn?.(signal) ?? []);
  }

  private makeContext(answers: AnswerStore, signal: AbortSignal, plan: HarvestPlan | null): StepContext {
    const { app, lock, row, run } = this;
    const stopWrites = this.stopWrites;
    const timePhase = (name: string | null) => this.timePhase(name);
    const context: StepContext = {
      app,
      runId: run.runId,
      options: run.options,
      trigger: run.trigger,
      log: this.log,
      progress: this.progress,
      signal,
      answers,
      quarantine: lockedQuarantine(lock, this.quarantine, signal),
      // The counts of the summary are read from the database at the end (over all attempts).
      facts: lockedFacts(lock, app.prisma, run.runId, (rows) => addCounts(this.rowsWritten, rows)),
      results: this.results,
      plan,
      locked: (write) => whileLocked(lock, write),
      async phase(name) {
        if (lock.lost.aborted) throw new RunInterrupted();
        await answers.flush();
        if (signal.aborted) throw new RunInterrupted();
        timePhase(name);
        await row.enterStage(name);
      },
      async recordPlan(made) {
        await whileLocked(lock, () => row.recordPlan(made));
        Object.assign(context, { plan: made });
      },
      onStop: (write) => void stopWrites.push(write),
      recordCounts: (counts) => whileLocked(lock, () => row.recordCounts(counts)),
      countRows: (rows) => void addCounts(this.rowsWritten, rows),
    };
    return context;
  }

  /**
   * Runs one step: times it (`tv_harvester_stage_duration_seconds{stage}`), writes its answers, and records it as
   * completed with what it returned. A step stopped by the signal is not recorded.
   * @throws {RunInterrupted} when the run must stop; whatever the step threw
   */
  async step<T extends StepResults[K], K extends HarvestStep>(name: K, run: () => Promise<T>): Promise<T> {
    if (this.context.signal.aborted) throw new RunInterrupted();
    const t = performance.now();
    let result: T;
    try {
      result = await run();
    } finally {
      this.timePhase(null);
      const seconds = (performance.now() - t) / 1000;
      this.stepSeconds[name] = Math.round(seconds * 1000) / 1000;
      this.app.metrics.stageDuration.set({ stage: name }, seconds);
      this.log.info({ step: name, seconds: this.stepSeconds[name] }, "step finished");
    }
    if (this.lock.lost.aborted) throw new RunInterrupted();
    await this.context.answers.flush();
    await this.context.quarantine.flush();
    // A step stopped by the signal returned early with partial output: it is not complete.
    if (this.context.signal.aborted) throw new RunInterrupted();
    await this.context.locked(() => this.row.recordStep(name, result));
    this.results[name] = result;
    this.completed.add(name);
    return result;
  }

  /** Ends the phase in progress (its seconds added to the attempt's) and starts `name` (none: null). */
  private timePhase(name: string | null): void {
    const now = performance.now();
    if (this.phaseNow) {
      const seconds = (now - this.phaseNow.startedAt) / 1000;
      this.phaseSeconds[this.phaseNow.name] = Math.round(((this.phaseSeconds[this.phaseNow.name] ?? 0) + seconds) * 1000) / 1000;
    }
    this.phaseNow = name === null ? null : { name, startedAt: now };
  }

  /** Ends the run as failed (or interrupted, when it stopped on its signal or lost its lock) because of `error`. */
  fail(error: unknown): void {
    if (this.lock.lost.aborted) {
      // Whatever the step threw after the loss, the run stopped because of it.
      this.status = "interrupted";
      this.error = LOCK_LOST;
    } else if (error instanceof RunInterrupted) {
      this.status = "interrupted";
      this.log.warn("harvest run interrupted");
    } else {
      this.status = "failed";
      this.error = this.app.scrubber.scrubText(errorMessage(error));
      this.errorRetryable = isTemporary(error);
      this.log.error({ err: error }, "harvest run failed");
    }
  }

  /**
   * Ends the run: writes what is left (when the lock is held), records the end on the row, releases the lock,
   * updates the run metrics, and returns the summary. A run whose `publish` step has not completed is not
   * published: it ends `interrupted` (resumable) unless it failed.
   */
  async close(): Promise<HarvestSummary> {
    const { app, lock, log } = this;
    this.stopHeartbeat();
    this.progress.stop();
    for (const untie of this.untieClients) untie();
    const mayWrite = !lock.lost.aborted || (await lock.regained());
    if (!mayWrite) {
      this.status = "interrupted";
      this.error = LOCK_LOST;
      log.error("the harvest lock is held by another session now: the end of this run is not recorded");
    } else {
      await this.writeLeftovers();
    }
    if (this.status === "succeeded")
      this.status = !this.completed.has("publish") ? "interrupted" : this.results.publish?.failed ? "failed_quality" : "succeeded";
    const summary = await this.summarize(mayWrite);
    try {
      if (mayWrite) await this.finishRow(summary);
    } catch (error) {
      log.error({ err: error }, "could not record the end of the harvest run");
      if (summary.status !== "failed") {
        summary.status = "failed";
        summary.error = app.scrubber.scrubText(errorMessage(error));
      }
    } finally {
      await lock.release();
    }
    recordRunMetrics(app, summary);
    log.info({ status: summary.status, durationSeconds: summary.durationSeconds, seriesLoaded: summary.seriesLoaded }, "harvest run finished");
    return summary;
  }

  /** Whatever happened, what was fetched and checked is written: a resume re-uses it. */
  private async writeLeftovers(): Promise<void> {
    for (const write of this.stopWrites)
      await write().catch((error: unknown) => this.log.error({ err: error }, "could not write the last checked records"));
    await this.context.answers.flush().catch((error: unknown) => this.log.error({ err: error }, "could not write the last fetched answers"));
    await this.quarantine.flush().catch(() => undefined);
  }

  /** The summary: the steps' results, and the counts stored over all attempts. */
  private async summarize(mayWrite: boolean): Promise<HarvestSummary> {
    // counts() writes the quarantine buffer first: not without the lock (the returned summary then counts none).
    const counts = mayWrite ? await this.quarantine.counts().catch((): QuarantineCount[] => []) : [];
    const stored = await countStoredRunRows(this.app.prisma, this.run.runId).catch((error: unknown) => {
      this.log.error({ err: error }, "could not count the run's rows");
      return undefined;
    });
    return toSummary(
      {
        run: this.run,
        status: this.status,
        results: this.results,
        plan: this.context.plan,
        stepSeconds: this.stepSeconds,
        phaseSeconds: this.phaseSeconds,
        reusedAnswers: this.context.answers.reused,
        rowsWritten: this.rowsWritten,
        ...(this.error === undefined ? {} : { error: this.error }),
        ...(this.errorRetryable ? { errorRetryable: true } : {}),
      },
      {
        finishedAt: this.app.now(),
        durationSeconds: (performance.now() - this.started) / 1000,
        quarantine: counts,
        requests: requestsBetween(this.statsBefore, clientStats(this.app)),
        ...(stored ? { stored } : {}),
      },
    );
  }

  private async finishRow(summary: HarvestSummary): Promise<void> {
    await this.row.finish({
      status: summary.status,
      at: this.app.now(),
      seriesLoaded: summary.seriesLoaded,
      accounting: summary.accounting,
      factsWritten: summary.rowsWritten.rating_fact ?? 0,
      quarantined: summary.quarantine.rejected + summary.quarantine.schemaDrift,
      summary,
      error: summary.error ?? null,
    });
  }
}

/** The request counters of every client now. */
function clientStats(app: App): Map<UpstreamName, UpstreamStats> {
  return new Map(Object.values(app.clients).map((c) => [c.name, c.stats()]));
}

/**
 * Updates the run metrics at the end of a run. A top-up run counts in `runs_total` and `rows_written_total` only; the
 * last-run, last-success, duration and series gauges stay those of the weekly harvest.
 */
function recordRunMetrics(app: App, summary: HarvestSummary): void {
  const { metrics } = app;
  const finished = Date.parse(summary.finishedAt) / 1000;
  metrics.runInProgress.set(0);
  metrics.runsTotal.inc({ outcome: summary.status });
  if (summary.refresh?.kind === "topup") {
    // A top-up is not a harvest of the catalogue: the run gauges (and the alerts on them) keep the weekly harvest's.
    for (const [table, n] of Object.entries(summary.rowsWritten)) metrics.rowsWritten.inc({ table }, n);
    return;
  }
  metrics.lastRunTimestamp.set(finished);
  metrics.setLastRunStatus(summary.status);
  metrics.lastRunDuration.set(summary.durationSeconds);
  metrics.seriesHarvested.set(summary.seriesLoaded);
  if (summary.status === "succeeded") metrics.setLastSuccess(finished);
  metrics.lastRunRowsWritten.reset();
  for (const [table, n] of Object.entries(summary.rowsWritten)) {
    metrics.rowsWritten.inc({ table }, n);
    metrics.lastRunRowsWritten.set({ table }, n);
  }
}
