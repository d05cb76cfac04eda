import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, HarvestLockedError } from "../../src/errors.js";
import {
  HarvestScheduler,
  isHarvestMissed,
  nextScheduledTime,
  parseSchedule,
  previousScheduledTime,
  type HarvestSchedulerDeps,
  type ScheduleHistory,
} from "../../src/ops/schedule.js";
import { acquireHarvestLock } from "../../src/pipeline/lock.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const WEEKLY = "0 3 * * 1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

function history(overrides: Partial<ScheduleHistory> = {}): ScheduleHistory {
  return {
    lastSuccessAt: async () => null,
    runStartedSince: async () => false,
    interruptedRunSince: async () => false,
    ...overrides,
  };
}

function deps(overrides: Partial<HarvestSchedulerDeps>): HarvestSchedulerDeps {
  return {
    schedule: WEEKLY,
    now: () => new Date("2026-11-18T12:00:00Z"),
    history: history(),
    harvest: async () => ({ status: "succeeded" }),
    logger: silent,
    ...overrides,
  };
}

describe("schedule arithmetic (UTC)", () => {
  it("finds the previous and next Monday 03:00 UTC", () => {
    expect(previousScheduledTime(WEEKLY, new Date("2026-11-18T12:00:00Z"))?.toISOString()).toBe("2026-11-16T03:00:00.000Z");
    expect(previousScheduledTime(WEEKLY, new Date("2026-11-16T03:00:00.400Z"))?.toISOString()).toBe("2026-11-16T03:00:00.000Z");
    expect(previousScheduledTime(WEEKLY, new Date("2026-11-16T02:59:59Z"))?.toISOString()).toBe("2026-11-09T03:00:00.000Z");
    expect(nextScheduledTime(WEEKLY, new Date("2026-11-18T12:00:00Z"))?.toISOString()).toBe("2026-11-23T03:00:00.000Z");
  });

  it("decides whether the latest slot was missed", () => {
    const slot = new Date("2026-11-16T03:00:00Z");
    expect(isHarvestMissed(null, slot)).toBe(true);
    expect(isHarvestMissed(new Date("2026-11-09T04:00:00Z"), slot)).toBe(true);
    expect(isHarvestMissed(new Date("2026-11-16T05:10:00Z"), slot)).toBe(false);
    expect(isHarvestMissed(null, null)).toBe(false);
  });

  it("rejects an invalid expression as a configuration error", () => {
    expect(() => parseSchedule("every monday")).toThrow(ConfigError);
    expect(() => new HarvestScheduler(deps({ schedule: "61 * * * *" }))).toThrow(/HARVEST_SCHEDULE/);
  });
});

describe("HarvestScheduler", () => {
  it("catches up a missed slot at start-up, resuming its interrupted run", async () => {
    const calls: { resume: boolean }[] = [];
    const scheduler = new HarvestScheduler(
      deps({
        history: history({ lastSuccessAt: async () => new Date("2026-11-09T04:00:00Z"), interruptedRunSince: async () => true }),
        harvest: async (o) => {
          calls.push({ resume: o.resume });
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.start()).toBe(true);
    await scheduler.idle();
    await scheduler.stop();
    expect(calls).toEqual([{ resume: true }]);
  });

  it("does not harvest at start-up when the latest slot succeeded", async () => {
    let calls = 0;
    const scheduler = new HarvestScheduler(
      deps({
        history: history({ lastSuccessAt: async () => new Date("2026-11-16T04:00:00Z") }),
        harvest: async () => {
          calls++;
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.start()).toBe(false);
    await scheduler.stop();
    expect(calls).toBe(0);
  });

  it("retries a slot whose run failed when restarted, but a tick skips a slot another replica started", async () => {
    const scheduler = new HarvestScheduler(deps({ history: history({ runStartedSince: async () => true }) }));
    const slot = new Date("2026-11-16T03:00:00Z");
    expect(await scheduler.runSlot(slot, true)).toBe("succeeded");
    expect(await scheduler.runSlot(slot, false)).toBe("skipped_done");
  });

  it("never overlaps in one process, and treats a held lock as a skip and errors as non-fatal", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scheduler = new HarvestScheduler(
      deps({
        harvest: async () => {
          await gate;
          return { status: "failed" };
        },
      }),
    );
    const slot = new Date("2026-11-16T03:00:00Z");
    const first = scheduler.runSlot(slot, false);
    expect(scheduler.busy).toBe(true);
    expect(await scheduler.runSlot(slot, false)).toBe("skipped_running");
    release();
    expect(await first).toBe("failed");
    expect(scheduler.busy).toBe(false);

    const locked = new HarvestScheduler(deps({ harvest: async () => Promise.reject(new HarvestLockedError()) }));
    expect(await locked.runSlot(slot, false)).toBe("skipped_locked");
    const broken = new HarvestScheduler(deps({ harvest: async () => Promise.reject(new Error("database gone")) }));
    expect(await broken.runSlot(slot, false)).toBe("error");
  });

  it("fires on the cron timer without overlapping (every second, harvests of 1.3 s)", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const scheduler = new HarvestScheduler(
      deps({
        schedule: "* * * * * *",
        now: () => new Date(),
        history: history({ lastSuccessAt: async () => new Date() }),
        harvest: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(1300);
          active--;
          runs++;
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.start()).toBe(false);
    await sleep(4200);
    const stoppedCleanly = await scheduler.stop(3000);
    expect(stoppedCleanly).toBe(true);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(3);
    expect(maxActive).toBe(1);
    const after = runs;
    await sleep(1500);
    expect(runs).toBe(after); // stopped: no more ticks
  });
});

describe("two replicas against one database (the harvest's advisory lock)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("exactly one replica harvests a slot; the other skips it", async () => {
    let harvested = 0;
    const replica = () =>
      new HarvestScheduler(
        deps({
          harvest: async () => {
            const lock = await acquireHarvestLock(db.url);
            try {
              harvested++;
              await sleep(500);
              return { status: "succeeded" };
            } finally {
              await lock.release();
            }
          },
        }),
      );
    const slot = new Date("2026-11-16T03:00:00Z");
    const outcomes = await Promise.all([replica().runSlot(slot, true), replica().runSlot(slot, true)]);
    expect(outcomes.sort()).toEqual(["skipped_locked", "succeeded"]);
    expect(harvested).toBe(1);
  });
});
