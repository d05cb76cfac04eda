import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, HarvestLockedError } from "../../src/errors.js";
import {
  HarvestScheduler,
  isHarvestMissed,
  nextScheduledTime,
  parseSchedule,
  previousScheduledTime,
  slotOfTick,
  type HarvestSchedulerDeps,
  type OpenHarvestRun,
  type ScheduleHistory,
} from "../../src/ops/schedule.js";
import { harvestRunHistory } from "../../src/commands/serve.js";
import { loadConfig } from "../../src/config.js";
import { createPrisma } from "../../src/db/prisma.js";
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
    openRuns: async () => [],
    abandonRun: async () => undefined,
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

describe("the tick's own slot", () => {
  it("at the scheduled millisecond itself, the latest slot is that one, not the week before", () => {
    expect(previousScheduledTime(WEEKLY, new Date("2026-11-16T03:00:00.000Z"))?.toISOString()).toBe("2026-11-16T03:00:00.000Z");
    expect(previousScheduledTime(WEEKLY, new Date("2026-11-16T02:59:59.999Z"))?.toISOString()).toBe("2026-11-09T03:00:00.000Z");
    expect(slotOfTick(WEEKLY, new Date("2026-11-16T03:00:00.000Z")).toISOString()).toBe("2026-11-16T03:00:00.000Z");
    expect(slotOfTick(WEEKLY, new Date("2026-11-16T03:00:00.020Z")).toISOString()).toBe("2026-11-16T03:00:00.000Z");
  });

  it("a tick at the slot's millisecond harvests, even though last week's slot has a run", async () => {
    const asked: string[] = [];
    let harvests = 0;
    const scheduler = new HarvestScheduler(
      deps({
        now: () => new Date("2026-11-16T03:00:00.000Z"),
        // Last week's run started 2026-11-09T03:00:01Z; nothing for this week's slot yet.
        history: history({
          runStartedSince: async (since) => {
            asked.push(since.toISOString());
            return since.getTime() <= Date.parse("2026-11-09T03:00:01Z");
          },
        }),
        harvest: async () => {
          harvests++;
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.onTick(new Date("2026-11-16T03:00:00.000Z"))).toBe("succeeded");
    expect(asked).toEqual(["2026-11-16T03:00:00.000Z"]);
    expect(harvests).toBe(1);
  });
});

describe("retry configuration", () => {
  it("HARVEST_RETRY_ATTEMPTS and HARVEST_RETRY_BACKOFF_MS: defaults, values, and refusals", () => {
    expect(loadConfig({}).harvestRetry).toEqual({ attempts: 3, backoffMs: 300_000 });
    expect(loadConfig({ HARVEST_RETRY_ATTEMPTS: "0", HARVEST_RETRY_BACKOFF_MS: "1500" }).harvestRetry).toEqual({ attempts: 0, backoffMs: 1500 });
    expect(() => loadConfig({ HARVEST_RETRY_ATTEMPTS: "-1", HARVEST_RETRY_BACKOFF_MS: "0" })).toThrow(
      /HARVEST_RETRY_ATTEMPTS[\s\S]*HARVEST_RETRY_BACKOFF_MS/,
    );
  });
});

describe("retries within the slot", () => {
  const slot = new Date("2026-11-16T03:00:00Z");

  it("retries a failed run with backoff, resuming it, until it succeeds", async () => {
    const calls: boolean[] = [];
    const statuses = ["failed", "failed", "succeeded"] as const;
    const scheduler = new HarvestScheduler(
      deps({
        retry: { attempts: 3, backoffMs: 1 },
        history: history({ interruptedRunSince: async () => calls.length > 0 }),
        harvest: async ({ resume }) => {
          calls.push(resume);
          return { status: statuses[calls.length - 1] ?? "succeeded" };
        },
      }),
    );
    expect(await scheduler.runSlot(slot, false)).toBe("succeeded");
    expect(calls).toEqual([false, true, true]);
  });

  it("gives up after the configured attempts, and not at all with 0", async () => {
    let calls = 0;
    const failing = (attempts: number) =>
      new HarvestScheduler(
        deps({
          retry: { attempts, backoffMs: 1 },
          harvest: async () => {
            calls++;
            return { status: "failed" };
          },
        }),
      );
    expect(await failing(2).runSlot(slot, false)).toBe("failed");
    expect(calls).toBe(3);
    calls = 0;
    expect(await failing(0).runSlot(slot, false)).toBe("failed");
    expect(calls).toBe(1);
  });

  it("never retries past the slot: the next slot's tick takes over", async () => {
    let now = new Date("2026-11-16T03:00:00Z");
    const run = async (endsAt: string, backoffMs: number) => {
      let calls = 0;
      const scheduler = new HarvestScheduler(
        deps({
          now: () => now,
          retry: { attempts: 3, backoffMs },
          harvest: async () => {
            calls++;
            now = new Date(endsAt);
            return { status: calls === 1 ? "failed" : "succeeded" };
          },
        }),
      );
      return { outcome: await scheduler.runSlot(slot, false), calls };
    };
    // A failure at 02:59:59.990 on the next Monday: a wait of 50 ms would end in the next slot.
    expect(await run("2026-11-23T02:59:59.990Z", 50)).toEqual({ outcome: "failed", calls: 1 });
    // The same failure an hour earlier: retried.
    expect(await run("2026-11-23T01:59:59.990Z", 50)).toEqual({ outcome: "succeeded", calls: 2 });
  });

  it("retries a harvest that threw, but not a held lock; a resume that cannot resume is followed by a fresh run", async () => {
    const calls: boolean[] = [];
    const scheduler = new HarvestScheduler(
      deps({
        retry: { attempts: 3, backoffMs: 1 },
        history: history({ interruptedRunSince: async () => true }),
        harvest: async ({ resume }) => {
          calls.push(resume);
          if (calls.length === 1) throw new Error("database gone");
          if (resume) throw new Error("nothing to resume: no interrupted or failed harvest run since the last completed one");
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.runSlot(slot, false)).toBe("succeeded");
    expect(calls).toEqual([false, true, false]);

    let lockedCalls = 0;
    const locked = new HarvestScheduler(
      deps({
        retry: { attempts: 3, backoffMs: 1 },
        harvest: async () => {
          lockedCalls++;
          throw new HarvestLockedError();
        },
      }),
    );
    expect(await locked.runSlot(slot, false)).toBe("skipped_locked");
    expect(lockedCalls).toBe(1);
  });

  it("stop() cancels a pending retry", async () => {
    let calls = 0;
    const scheduler = new HarvestScheduler(
      deps({
        retry: { attempts: 3, backoffMs: 3_600_000 },
        harvest: async () => {
          calls++;
          return { status: "failed" };
        },
      }),
    );
    const outcome = scheduler.runSlot(slot, false);
    while (calls === 0) await sleep(5);
    expect(await scheduler.stop(10_000)).toBe(true);
    expect(await outcome).toBe("failed");
    expect(calls).toBe(1);
  });
});

describe("runs left open by a dead process, at start-up", () => {
  const run = (id: number, startedAt: string, status: OpenHarvestRun["status"] = "running"): OpenHarvestRun => ({
    id,
    status,
    startedAt: new Date(startedAt),
  });

  it("resumes the latest slot's open run and abandons older ones, with a reason", async () => {
    const abandoned: [number, string][] = [];
    const resumes: boolean[] = [];
    const scheduler = new HarvestScheduler(
      deps({
        history: history({
          lastSuccessAt: async () => new Date("2026-11-02T05:00:00Z"),
          openRuns: async () => [run(12, "2026-11-16T03:00:01Z", "interrupted"), run(11, "2026-11-16T03:00:00Z"), run(9, "2026-11-09T03:00:00Z")],
          abandonRun: async (id, reason, at) => void abandoned.push([id, `${reason} @ ${at.toISOString()}`]),
          interruptedRunSince: async () => true,
        }),
        harvest: async ({ resume }) => {
          resumes.push(resume);
          return { status: "succeeded" };
        },
      }),
    );
    expect(await scheduler.start()).toBe(true);
    await scheduler.idle();
    await scheduler.stop();
    expect(abandoned.map(([id]) => id)).toEqual([11, 9]);
    expect(abandoned[0]?.[1]).toMatch(/newer run of the slot 2026-11-16T03:00:00.000Z is resumed/);
    expect(abandoned[1]?.[1]).toMatch(/running run of an earlier slot \(started 2026-11-09T03:00:00.000Z\)/);
    expect(abandoned.every(([, r]) => r.endsWith("@ 2026-11-18T12:00:00.000Z"))).toBe(true); // finished at the injected clock's time
    expect(resumes).toEqual([true]);
  });

  it("resumes a manual run stopped with Ctrl-C after the slot's success, as the CLI advises, instead of abandoning it", async () => {
    const abandoned: number[] = [];
    const calls: { resume: boolean }[] = [];
    const logged: string[] = [];
    const scheduler = new HarvestScheduler(
      deps({
        history: history({
          lastSuccessAt: async () => new Date("2026-11-16T05:00:00Z"),
          // A `harvest` started on Wednesday and interrupted, and a stale run of an earlier week.
          openRuns: async () => [run(8, "2026-11-18T09:00:00Z", "interrupted"), run(3, "2026-10-26T03:00:00Z", "interrupted")],
          interruptedRunSince: async () => true,
          abandonRun: async (id) => void abandoned.push(id),
        }),
        harvest: async (o) => {
          calls.push({ resume: o.resume });
          return { status: "succeeded" };
        },
        logger: { ...silent, info: (_o: object, msg: string) => void logged.push(msg) },
      }),
    );
    expect(await scheduler.start()).toBe(true);
    await scheduler.idle();
    await scheduler.stop();
    expect(calls).toEqual([{ resume: true }]);
    expect(abandoned).toEqual([3]);
    expect(logged).toContain("resuming the interrupted harvest run of the latest slot");
  });

  it("logs a harvest stopped by serve's shutdown at warn, never as a failed harvest", async () => {
    const errors: string[] = [];
    const warnings: string[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const scheduler = new HarvestScheduler(
      deps({
        retry: { attempts: 3, backoffMs: 1 },
        harvest: async () => {
          started();
          await sleep(50);
          throw new DOMException("This operation was aborted", "AbortError");
        },
        logger: {
          info: () => undefined,
          warn: (_o: object, msg: string) => void warnings.push(msg),
          error: (_o: object, msg: string) => void errors.push(msg),
        },
      }),
    );
    const outcome = scheduler.runSlot(new Date("2026-11-16T03:00:00Z"), false);
    await running;
    await scheduler.stop(5_000);
    await outcome;
    expect(errors).toEqual([]);
    expect(warnings).toContain("scheduled harvest stopped by serve's shutdown; resumed at the next start");
  });

  it("abandons every open run when the latest slot already succeeded", async () => {
    const abandoned: number[] = [];
    const scheduler = new HarvestScheduler(
      deps({
        history: history({
          lastSuccessAt: async () => new Date("2026-11-16T05:00:00Z"),
          openRuns: async () => [run(7, "2026-11-16T03:00:00Z"), run(3, "2026-10-26T03:00:00Z", "interrupted")],
          abandonRun: async (id) => void abandoned.push(id),
        }),
      }),
    );
    expect(await scheduler.start()).toBe(false);
    await scheduler.stop();
    expect(abandoned).toEqual([7, 3]);
  });
});

describe("harvestRunHistory on a real harvest_run table", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("finds stale and interrupted runs, leaves live ones, and closes them as abandoned", async () => {
    await db.query(
      `INSERT INTO harvest_run (run_id, started_at, heartbeat_at, status) VALUES
         (1, '2026-11-09T03:00:00Z', '2026-11-09T03:10:00Z', 'running'),
         (2, '2026-11-09T04:00:00Z', '2026-11-09T04:10:00Z', 'interrupted'),
         (3, '2026-11-09T05:00:00Z', '2026-11-09T05:10:00Z', 'succeeded'),
         (4, '2026-11-16T03:00:00Z', '2026-11-16T03:59:30Z', 'running')`,
    );
    const prisma = createPrisma(db.url);
    try {
      const h = harvestRunHistory({ prisma });
      const staleBefore = new Date("2026-11-16T03:58:00Z");
      expect((await h.openRuns(staleBefore)).map((r) => [r.id, r.status])).toEqual([
        [2, "interrupted"],
        [1, "running"],
      ]);
      expect(await h.interruptedRunSince(new Date("2026-11-16T03:00:00Z"), staleBefore)).toBe(false); // run 4 is alive
      expect(await h.interruptedRunSince(new Date("2026-11-16T03:00:00Z"), new Date("2026-11-16T04:00:00Z"))).toBe(true);
      const at = new Date("2026-11-16T04:00:00Z");
      await h.abandonRun(1, "abandoned at start-up: test", at);
      await h.abandonRun(3, "must not touch a finished run", at);
      const rows = await db.query<{ run_id: number; status: string; error: string | null; finished: string | null }>(
        "SELECT run_id, status::text AS status, error, to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI') AS finished FROM harvest_run ORDER BY run_id",
      );
      expect(rows).toEqual([
        { run_id: 1, status: "abandoned", error: "abandoned at start-up: test", finished: "2026-11-16T04:00" },
        { run_id: 2, status: "interrupted", error: null, finished: null },
        { run_id: 3, status: "succeeded", error: null, finished: null },
        { run_id: 4, status: "running", error: null, finished: null },
      ]);
    } finally {
      await prisma.$disconnect();
    }
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
