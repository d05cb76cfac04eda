/**
 * The harvest schedule of `serve`: a cron expression (UTC, parsed by croner), a missed harvest caught up at
 * start-up, and no overlapping harvests — in this process (one run at a time) and across replicas (the
 * harvest's PostgreSQL advisory lock, src/pipeline/lock.ts, makes a second replica's attempt fail with
 * HarvestLockedError, which is a skip here, not an error).
 *
 * Side effects are injected (clock, run history, harvest function, logger) so the decisions are tested
 * without waiting for Monday.
 */
import { Cron } from "croner";
import { ConfigError, HarvestLockedError, errorMessage } from "../errors.js";

/** Outcome of one scheduled (or start-up) attempt. */
export type ScheduledHarvestOutcome =
  | "succeeded"
  | "failed"
  | "failed_quality"
  /** the harvest was stopped by its abort signal (resumable) */
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
   * True when the newest run is interrupted — status running and no heartbeat since `staleBefore` — and
   * started at or after `since`, so it can be resumed instead of starting over.
   */
  interruptedRunSince(since: Date, staleBefore: Date): Promise<boolean>;
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

/** The latest scheduled time at or before `now` (same second included), or null when there is none. */
export function previousScheduledTime(expression: string, now: Date): Date | null {
  return parseSchedule(expression).previousRuns(1, now)[0] ?? null;
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

  constructor(private readonly deps: HarvestSchedulerDeps) {
    parseSchedule(deps.schedule);
    this.staleHeartbeatMs = deps.staleHeartbeatMs ?? 120_000;
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
   * Starts the cron timer and, when the latest slot's harvest is missing, starts that harvest at once
   * (resuming an interrupted run of that slot). Resolves when the catch-up decision is made; the catch-up
   * harvest itself runs in the background (see {@link idle}). Returns whether a catch-up was started.
   */
  async start(): Promise<boolean> {
    const { deps } = this;
    this.cron = new Cron(deps.schedule, { timezone: "UTC", catch: true }, () => {
      const slot = previousScheduledTime(deps.schedule, deps.now()) ?? deps.now();
      void this.runSlot(slot, false);
    });
    const previous = previousScheduledTime(deps.schedule, deps.now());
    const lastSuccess = await deps.history.lastSuccessAt();
    if (!isHarvestMissed(lastSuccess, previous)) {
      deps.logger.info({ lastSuccessAt: lastSuccess?.toISOString() ?? null, nextRun: this.nextRun()?.toISOString() ?? null }, "harvest schedule started");
      return false;
    }
    deps.logger.warn(
      { lastSuccessAt: lastSuccess?.toISOString() ?? null, missedSlot: previous!.toISOString() },
      "the last scheduled harvest is missing; running it now",
    );
    void this.runSlot(previous!, true);
    return true;
  }

  /**
   * One attempt for the slot `slot`: skips when this process is busy or (on a tick) another replica
   * already started a run for the slot; otherwise harvests. `catchUp` (start-up) resumes an interrupted
   * run of the slot. Never throws.
   */
  async runSlot(slot: Date, catchUp: boolean): Promise<ScheduledHarvestOutcome> {
    const { deps } = this;
    if (this.current) {
      deps.logger.warn({ slot: slot.toISOString() }, "previous harvest still running; skipping this slot");
      return "skipped_running";
    }
    const attempt = (async (): Promise<ScheduledHarvestOutcome> => {
      try {
        const staleBefore = new Date(deps.now().getTime() - this.staleHeartbeatMs);
        const resume = catchUp && (await deps.history.interruptedRunSince(slot, staleBefore));
        // On a tick, a run already started for this slot means another replica took it (and may have
        // finished before our lock attempt). At start-up the slot's run, if any, did not succeed: retry it.
        if (!catchUp && (await deps.history.runStartedSince(slot))) {
          deps.logger.info({ slot: slot.toISOString() }, "a harvest for this slot was already started (another replica?); skipping");
          return "skipped_done";
        }
        const { status } = await deps.harvest({ resume, trigger: "schedule" });
        deps.logger.info({ slot: slot.toISOString(), status, resumed: resume, nextRun: this.nextRun()?.toISOString() ?? null }, "scheduled harvest finished");
        return status;
      } catch (error) {
        if (error instanceof HarvestLockedError) {
          deps.logger.info({ slot: slot.toISOString() }, "another process holds the harvest lock; skipping this slot");
          return "skipped_locked";
        }
        deps.logger.error({ slot: slot.toISOString(), err: error }, "scheduled harvest could not run");
        return "error";
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
   * Stops the timer. Waits up to `graceMs` for a running harvest to finish; resolves to false when it
   * is still running (an interrupted run is resumed at the next start-up).
   */
  async stop(graceMs = 0): Promise<boolean> {
    this.cron?.stop();
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
