/**
 * The harvest schedule of `serve`: a cron expression (UTC, parsed by croner), a missed harvest caught up at
 * start-up, and no overlapping harvests — in this process (one run at a time) and across replicas (the
 * harvest's PostgreSQL advisory lock, src/pipeline/lock.ts, makes a second replica's attempt fail with
 * HarvestLockedError, which is a skip here, not an error).
 *
 * Recovery without anybody watching:
 * - a harvest of a slot that fails (status `failed`, or it throws) is retried within its slot with
 *   exponential backoff (p-retry; `HARVEST_RETRY_ATTEMPTS`, `HARVEST_RETRY_BACKOFF_MS`), resuming the failed
 *   run when there is one, and never once the next slot has come (that slot's tick takes over). A held
 *   lock is a skip, not a failure; `failed_quality` is not retried (the same data would fail again);
 * - at start-up, the newest run left open by a stopped process (`interrupted`, or `running` with a stale
 *   heartbeat) is resumed when it belongs to the latest slot and that slot's harvest is missing, or it is
 *   newer than the last success (a manual `harvest` stopped with Ctrl-C: the CLI says to continue it with
 *   `--resume`, and serve does just that); every other open run is closed as `abandoned` with a reason (logged,
 *   counted in `tv_harvester_harvest_runs_abandoned_total`, never paged as a failure), so that no run stays
 *   `running` for ever. docs/runbooks.md states the same policy;
 * - a tick harvests the tick's own slot: the latest scheduled time at or before the tick, the same
 *   millisecond included (croner fires at the scheduled millisecond, and "the previous run before now"
 *   would then be last week's slot).
 *
 * Side effects are injected (clock, run history, harvest function, logger) so the decisions are tested
 * without waiting for Monday.
 */
import { Cron } from "croner";
import pRetry from "p-retry";
import { ConfigError, HarvestLockedError, errorMessage } from "../errors.js";

/** Outcome of one scheduled (or start-up) attempt. */
export type ScheduledHarvestOutcome =
  | "succeeded"
  | "failed"
  | "failed_quality"
  /** stopped by a signal (serve is shutting down); resumed at the next start */
  | "interrupted"
  /** this process is still running the previous harvest */
  | "skipped_running"
  /** another replica holds the harvest lock */
  | "skipped_locked"
  /** another replica already started a harvest for this slot */
  | "skipped_done"
  /** the harvest threw (migrations failed, database gone …) */
  | "error";

/** What the scheduler needs to know about earlier harvest runs (from table harvest_run). */
export interface ScheduleHistory {
  /** Finish time of the newest succeeded run, or null when none. */
  lastSuccessAt(): Promise<Date | null>;
  /** True when some harvest run started at or after `since`. */
  runStartedSince(since: Date): Promise<boolean>;
  /**
   * True when the newest run started at or after `since` and can be resumed instead of starting over:
   * `interrupted`, `failed`, or `running` with no heartbeat since `staleBefore` (its process is gone).
   */
  interruptedRunSince(since: Date, staleBefore: Date): Promise<boolean>;
  /**
   * Runs left open by a process that is gone: status `interrupted`, or `running` with no heartbeat since
   * `staleBefore`. Newest first.
   */
  openRuns(staleBefore: Date): Promise<OpenHarvestRun[]>;
  /**
   * Closes run `id` as `abandoned`, finished `at`, with `reason` in its `error`, if it is still open (a run
   * that another replica resumed meanwhile is left alone).
   */
  abandonRun(id: number, reason: string, at: Date): Promise<void>;
}

/** A harvest run left open (see {@link ScheduleHistory.openRuns}). */
export interface OpenHarvestRun {
  id: number;
  status: "running" | "interrupted";
  startedAt: Date;
}

/** Retries of a failed scheduled harvest within its slot. */
export interface HarvestRetryPolicy {
  /** Retries after the first failed attempt (0: none). Config `HARVEST_RETRY_ATTEMPTS`, default 3. */
  attempts: number;
  /** Wait before the first retry, milliseconds; doubles per retry. Config `HARVEST_RETRY_BACKOFF_MS`, default 300000 (5 min). */
  backoffMs: number;
}

/** Dependencies of {@link HarvestScheduler}. */
export interface HarvestSchedulerDeps {
  /** Cron expression, 5 fields (or 6 with seconds), evaluated in UTC. */
  schedule: string;
  now: () => Date;
  history: ScheduleHistory;
  /**
   * Runs one harvest; resolves with its status. Rejects with HarvestLockedError when another process
   * harvests (a skip), or any other error (logged; the schedule goes on).
   */
  harvest: (options: { resume: boolean; trigger: "schedule" }) => Promise<{ status: "succeeded" | "failed" | "failed_quality" | "interrupted" }>;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** A run without a heartbeat for this long is interrupted (default 120 s; the pipeline beats every 10 s). */
  staleHeartbeatMs?: number;
  /** Retries of a failed harvest within its slot; omitted: none (`serve` passes the configured policy). */
  retry?: HarvestRetryPolicy;
}

/** A scheduled attempt whose harvest ended `failed`: retried within the slot. */
class FailedHarvestAttempt extends Error {
  override readonly name = "FailedHarvestAttempt";
  constructor() {
    super("the harvest run ended with status failed");
  }
}

/**
 * Parses a cron expression in UTC.
 * @throws {ConfigError} naming HARVEST_SCHEDULE when croner rejects it.
 */
export function parseSchedule(expression: string): Cron {
  try {
    return new Cron(expression, { timezone: "UTC", paused: true });
  } catch (error) {
    throw new ConfigError([`HARVEST_SCHEDULE: not a valid cron expression "${expression}" (${errorMessage(error)})`]);
  }
}

/**
 * The latest scheduled time at or before `now` (the same millisecond included), or null when there is
 * none. (croner's `previousRuns(1, now)` is strictly before `now`: at the scheduled millisecond itself it
 * answers the slot before, hence the millisecond added here.)
 */
export function previousScheduledTime(expression: string, now: Date): Date | null {
  return parseSchedule(expression).previousRuns(1, new Date(now.getTime() + 1))[0] ?? null;
}

/**
 * The slot a cron tick at `tick` harvests: the tick's own scheduled time (the latest at or before it),
 * never the one before. Falls back to `tick` itself when the expression has no time at or before it.
 */
export function slotOfTick(expression: string, tick: Date): Date {
  return previousScheduledTime(expression, tick) ?? tick;
}

/** The next scheduled time after `now`, or null when the expression never fires again. */
export function nextScheduledTime(expression: string, now: Date): Date | null {
  return parseSchedule(expression).nextRun(now);
}

/**
 * True when the harvest of the latest scheduled slot did not succeed: no successful run at all, or the
 * last success finished before that slot. False when no slot has passed yet.
 */
export function isHarvestMissed(lastSuccessAt: Date | null, previousScheduled: Date | null): boolean {
  if (previousScheduled === null) return false;
  return lastSuccessAt === null || lastSuccessAt.getTime() < previousScheduled.getTime();
}

/** Runs harvests on the schedule; see the module comment. */
export class HarvestScheduler {
  private cron: Cron | undefined;
  private current: Promise<ScheduledHarvestOutcome> | undefined;
  private readonly staleHeartbeatMs: number;
  private readonly retry: HarvestRetryPolicy;
  /** Aborted by {@link stop}: no retry starts after it. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: HarvestSchedulerDeps) {
    parseSchedule(deps.schedule);
    this.staleHeartbeatMs = deps.staleHeartbeatMs ?? 120_000;
    this.retry = deps.retry ?? { attempts: 0, backoffMs: 1 };
  }

  /** True while this process runs a harvest. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** The next scheduled harvest, or null. */
  nextRun(): Date | null {
    return nextScheduledTime(this.deps.schedule, this.deps.now());
  }

  /**
   * Starts the cron timer, closes runs left open by a dead process (see {@link closeOpenRuns}) and, when
   * the latest slot's harvest is missing, starts that harvest at once (resuming its interrupted run).
   * Resolves when the catch-up decision is made; the catch-up harvest itself runs in the background (see
   * {@link idle}). Returns whether a catch-up was started.
   */
  async start(): Promise<boolean> {
    const { deps } = this;
    this.cron = new Cron(deps.schedule, { timezone: "UTC", catch: true }, (self: Cron) => {
      void this.onTick(self.currentRun() ?? deps.now());
    });
    const previous = previousScheduledTime(deps.schedule, deps.now());
    const lastSuccess = await deps.history.lastSuccessAt();
    const missed = isHarvestMissed(lastSuccess, previous);
    // An open run of the latest slot newer than the last success (a manual harvest stopped with Ctrl-C, whose
    // CLI line says to continue it with --resume, or serve's own stopped run) is resumed even when the slot's
    // harvest succeeded: closing it would contradict that advice. Older open runs are abandoned (not failed).
    const resumeOpen = previous !== null && (missed || (await this.hasResumableOpenRun(previous, lastSuccess)));
    await this.closeOpenRuns(resumeOpen ? previous : null);
    if (!resumeOpen || previous === null) {
      deps.logger.info(
        { lastSuccessAt: lastSuccess?.toISOString() ?? null, nextRun: this.nextRun()?.toISOString() ?? null },
        "harvest schedule started",
      );
      return false;
    }
    if (missed)
      deps.logger.warn(
        { lastSuccessAt: lastSuccess?.toISOString() ?? null, missedSlot: previous.toISOString() },
        "the last scheduled harvest is missing; running it now",
      );
    else deps.logger.info({ slot: previous.toISOString() }, "resuming the interrupted harvest run of the latest slot");
    void this.runSlot(previous, true);
    return true;
  }

  /** True when the newest open run started in `slot` (at or after it) and after the last success finished. */
  private async hasResumableOpenRun(slot: Date, lastSuccess: Date | null): Promise<boolean> {
    try {
      const open = await this.deps.history.openRuns(new Date(this.deps.now().getTime() - this.staleHeartbeatMs));
      const newest = open.reduce<OpenHarvestRun | undefined>((a, r) => (a === undefined || r.id > a.id ? r : a), undefined);
      return (
        newest !== undefined &&
        newest.startedAt.getTime() >= slot.getTime() &&
        (lastSuccess === null || lastSuccess.getTime() < newest.startedAt.getTime())
      );
    } catch (error) {
      this.deps.logger.error({ err: errorMessage(error) }, "could not read the harvest runs left open");
      return false;
    }
  }

  /**
   * Closes every run left open by a dead process as `abandoned`, except the newest when it belongs to
   * `resumableSlot` (the latest slot, whose harvest is missing): that one the catch-up resumes. A run of
   * an earlier slot is not resumed: its slot has passed, and the catch-up harvests the current one.
   * Returns the ids closed. Never throws (a failure is logged; the runs stay as they were).
   */
  async closeOpenRuns(resumableSlot: Date | null): Promise<number[]> {
    const { deps } = this;
    const closed: number[] = [];
    try {
      const staleBefore = new Date(deps.now().getTime() - this.staleHeartbeatMs);
      const open = await deps.history.openRuns(staleBefore);
      const newest = open.reduce<OpenHarvestRun | undefined>((a, r) => (a === undefined || r.id > a.id ? r : a), undefined);
      for (const run of open) {
        if (resumableSlot !== null && run === newest && run.startedAt.getTime() >= resumableSlot.getTime()) continue;
        const reason =
          resumableSlot !== null && run.startedAt.getTime() >= resumableSlot.getTime()
            ? `abandoned at start-up: a newer run of the slot ${resumableSlot.toISOString()} is resumed instead`
            : `abandoned at start-up: ${run.status} run of an earlier slot (started ${run.startedAt.toISOString()}), not resumed after its slot`;
        await deps.history.abandonRun(run.id, reason, deps.now());
        closed.push(run.id);
        deps.logger.warn({ runId: run.id, status: run.status, startedAt: run.startedAt.toISOString() }, reason);
      }
    } catch (error) {
      deps.logger.error({ err: errorMessage(error) }, "could not close the harvest runs left open");
    }
    return closed;
  }

  /**
   * What the cron timer calls: harvests the tick's own slot ({@link slotOfTick}). Public so that the
   * decision can be tested with a given tick time.
   */
  onTick(tick: Date): Promise<ScheduledHarvestOutcome> {
    return this.runSlot(slotOfTick(this.deps.schedule, tick), false);
  }

  /** True while `at` is still within `slot`: before the next scheduled time after the slot. */
  private withinSlot(slot: Date, at: number): boolean {
    const next = nextScheduledTime(this.deps.schedule, slot);
    return next === null || at < next.getTime();
  }

  /**
   * The harvest of the slot `slot`: skips when this process is busy or (on a tick) another replica
   * already started a run for the slot; otherwise harvests, retrying a failed attempt within the slot
   * (see {@link HarvestRetryPolicy}). `catchUp` (start-up) resumes an interrupted run of the slot; a retry
   * resumes the failed run. Resolves with the last attempt's outcome. Never throws.
   */
  async runSlot(slot: Date, catchUp: boolean): Promise<ScheduledHarvestOutcome> {
    const { deps } = this;
    if (this.current) {
      deps.logger.warn({ slot: slot.toISOString() }, "previous harvest still running; skipping this slot");
      return "skipped_running";
    }
    const attempt = (async (): Promise<ScheduledHarvestOutcome> => {
      let outcome: ScheduledHarvestOutcome = "error";
      let attempts = 0;
      let resumeFailed = false;
      const resumable = async () => {
        if (resumeFailed) return false;
        const staleBefore = new Date(deps.now().getTime() - this.staleHeartbeatMs);
        return deps.history.interruptedRunSince(slot, staleBefore);
      };
      try {
        // On a tick, a run already started for this slot means another replica took it (and may have
        // finished before our lock attempt). At start-up the slot's run, if any, did not succeed: retry it.
        if (!catchUp && (await deps.history.runStartedSince(slot))) {
          deps.logger.info({ slot: slot.toISOString() }, "a harvest for this slot was already started (another replica?); skipping");
          return "skipped_done";
        }
        await pRetry(
          async (attemptNumber) => {
            attempts = attemptNumber;
            const resume = (catchUp || attemptNumber > 1) && (await resumable());
            try {
              const { status } = await deps.harvest({ resume, trigger: "schedule" });
              outcome = status;
              deps.logger.info(
                { slot: slot.toISOString(), status, resumed: resume, attempt: attemptNumber, nextRun: this.nextRun()?.toISOString() ?? null },
                "scheduled harvest finished",
              );
            } catch (error) {
              if (resume) resumeFailed = true;
              outcome = error instanceof HarvestLockedError ? "skipped_locked" : "error";
              throw error;
            }
            if (outcome === "failed") throw new FailedHarvestAttempt();
          },
          {
            retries: this.retry.attempts,
            factor: 2,
            minTimeout: this.retry.backoffMs,
            maxTimeout: Number.POSITIVE_INFINITY,
            randomize: false,
            signal: this.stopping.signal,
            // The lock held elsewhere is a skip, not a failure; and the next slot's tick takes over from ours.
            shouldRetry: ({ error, attemptNumber }) =>
              !(error instanceof HarvestLockedError) && this.withinSlot(slot, deps.now().getTime() + this.retry.backoffMs * 2 ** (attemptNumber - 1)),
            onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
              if (error instanceof HarvestLockedError) return;
              if (this.stopping.signal.aborted) {
                // A planned stop (SIGTERM, a deploy) is not a failure: the run is resumed at the next start.
                deps.logger.warn(
                  { slot: slot.toISOString(), attempt: attemptNumber },
                  "scheduled harvest stopped by serve's shutdown; resumed at the next start",
                );
                return;
              }
              const log = error instanceof FailedHarvestAttempt ? deps.logger.warn.bind(deps.logger) : deps.logger.error.bind(deps.logger);
              log({ slot: slot.toISOString(), attempt: attemptNumber, retriesLeft, err: errorMessage(error) }, "scheduled harvest failed");
            },
          },
        );
        return outcome;
      } catch (error) {
        if (error instanceof HarvestLockedError) {
          deps.logger.info({ slot: slot.toISOString() }, "another process holds the harvest lock; skipping this slot");
          return "skipped_locked";
        }
        // Failed attempts were logged one by one (onFailedAttempt); what is left is a stop or a failure before any attempt.
        if (this.stopping.signal.aborted)
          deps.logger.info({ slot: slot.toISOString(), attempts }, "scheduler stopped; no more retries for this slot");
        else if (attempts === 0) deps.logger.error({ slot: slot.toISOString(), err: errorMessage(error) }, "scheduled harvest could not run");
        return outcome;
      }
    })();
    this.current = attempt;
    try {
      return await attempt;
    } finally {
      this.current = undefined;
    }
  }

  /** Resolves when no harvest is running (immediately when idle). */
  async idle(): Promise<void> {
    await this.current;
  }

  /**
   * Stops the timer and any pending retry. Waits up to `graceMs` for a running harvest to finish; resolves
   * to false when it is still running (an interrupted run is resumed at the next start-up).
   */
  async stop(graceMs = 0): Promise<boolean> {
    this.cron?.stop();
    this.stopping.abort();
    if (!this.current) return true;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.current.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return finished;
  }
}
