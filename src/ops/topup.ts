/**
 * The enrichment top-ups of `serve` (issue 11): on the days between weekly harvests, a run with trigger `topup` spends
 * the day's remaining OMDb budget and the sites' time on the catalogue's most overdue series (src/pipeline/harvest.ts,
 * `topup: true`). Its own cron (`TOPUP_SCHEDULE`, UTC, default daily 04:00); a tick on a day the weekly harvest is
 * scheduled (HARVEST_SCHEDULE) is skipped, as is one while this process harvests; another replica holding the harvest
 * lock is a skip too. The decisions are pure functions of the clock, so a simulated fortnight drives them directly.
 */
import { Cron } from "croner";
import { ConfigError, HarvestLockedError, errorMessage } from "../errors.js";
import { parseSchedule } from "./schedule.js";

const DAY_MS = 86_400_000;

/** Outcome of one top-up tick. */
export type TopUpOutcome =
  "succeeded" | "failed" | "failed_quality" | "interrupted" | "skipped_harvest_day" | "skipped_running" | "skipped_locked" | "error";

/**
 * True when `tick` falls on a UTC day without a weekly harvest slot (`harvestSchedule`): the days a top-up runs.
 * @throws {ConfigError} when an expression is not valid cron
 */
export function isTopUpDay(harvestSchedule: string, tick: Date): boolean {
  const dayStart = Math.floor(tick.getTime() / DAY_MS) * DAY_MS;
  const next = parseSchedule(harvestSchedule).nextRun(new Date(dayStart - 1));
  return next === null || next.getTime() >= dayStart + DAY_MS;
}

/** Dependencies of {@link TopUpScheduler}. */
export interface TopUpSchedulerDeps {
  /** Cron expression of the top-ups (UTC). */
  schedule: string;
  /** The weekly harvest's cron expression: no top-up on its days. */
  harvestSchedule: string;
  now: () => Date;
  /** True while this process runs a harvest (the weekly scheduler's `busy`). */
  busy: () => boolean;
  /** Runs one top-up; rejects with HarvestLockedError when another process harvests. */
  topUp: () => Promise<{ status: "succeeded" | "failed" | "failed_quality" | "interrupted" }>;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** Runs top-ups on their schedule; see the module comment. */
export class TopUpScheduler {
  private cron: Cron | undefined;
  private current: Promise<TopUpOutcome> | undefined;

  constructor(private readonly deps: TopUpSchedulerDeps) {
    try {
      new Cron(deps.schedule, { timezone: "UTC", paused: true }).stop();
    } catch (error) {
      throw new ConfigError([`TOPUP_SCHEDULE: not a valid cron expression "${deps.schedule}" (${errorMessage(error)})`]);
    }
  }

  /** True while a top-up runs. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Starts the cron timer. */
  start(): void {
    this.cron = new Cron(this.deps.schedule, { timezone: "UTC", catch: true }, (self: Cron) => {
      void this.onTick(self.currentRun() ?? this.deps.now());
    });
  }

  /** What the timer calls (public for tests and simulations): runs a top-up unless the tick must be skipped. Never throws. */
  async onTick(tick: Date): Promise<TopUpOutcome> {
    const { deps } = this;
    if (!isTopUpDay(deps.harvestSchedule, tick)) return "skipped_harvest_day";
    if (this.current || deps.busy()) {
      deps.logger.warn({ tick: tick.toISOString() }, "a harvest is running; skipping this top-up");
      return "skipped_running";
    }
    this.current = (async (): Promise<TopUpOutcome> => {
      try {
        const { status } = await deps.topUp();
        deps.logger.info({ tick: tick.toISOString(), status }, "enrichment top-up finished");
        return status;
      } catch (error) {
        if (error instanceof HarvestLockedError) {
          deps.logger.info({ tick: tick.toISOString() }, "another process harvests; skipping this top-up");
          return "skipped_locked";
        }
        deps.logger.error({ err: errorMessage(error) }, "enrichment top-up failed");
        return "error";
      }
    })();
    try {
      return await this.current;
    } finally {
      this.current = undefined;
    }
  }

  /** Stops the timer and waits up to `graceMs` for a top-up in progress. Returns false when it did not finish. */
  async stop(graceMs: number): Promise<boolean> {
    this.cron?.stop();
    const current = this.current;
    if (!current) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const done = await Promise.race([current.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }
}
