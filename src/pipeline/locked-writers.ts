/**
 * The run's writers gated by the harvest lock (src/pipeline/lock.ts): a write waits until the lock is known to be held
 * (at once while it was never lost; after a loss, once it was taken again), and never happens while another harvest
 * may hold the lock.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { RatingObservation } from "../domain.js";
import { insertRatingFacts, type RowCounts } from "../load/loader.js";
import type { Quarantine } from "../load/quarantine.js";
import { UpstreamAnswerWriter } from "../load/upstream-answers.js";
import type { AnswerWriter } from "./answer-store.js";
import type { HarvestLock } from "./lock.js";
import type { FactWriter, QuarantineSink } from "./stages/deps.js";

/** Thrown inside a run when its signal aborted (or its lock was lost) between phases; ends the run as `interrupted`. */
export class RunInterrupted extends Error {
  constructor() {
    super("harvest run interrupted");
    this.name = "RunInterrupted";
  }
}

/**
 * Holds a write until the lock is known to be held.
 * @throws {RunInterrupted} when the lock was lost and could not be taken again
 */
export async function whileLocked<T>(lock: HarvestLock, write: () => Promise<T>): Promise<T> {
  if (lock.lost.aborted && !(await lock.regained())) throw new RunInterrupted();
  return write();
}

/** Milliseconds an answer may wait before its batch is written (a SIGKILL loses at most this much). */
const ANSWER_MAX_DELAY_MS = 250;

/**
 * The answer writer of a run (`upstream_answer` in batches), gated by the lock: the batch timer is ours, so
 * that no batch starts after the lock was lost; rows buffered then are written only by a flush once the lock
 * is held again (a resume fetches them again otherwise).
 */
export function lockedAnswerWriter(lock: HarvestLock, prisma: PrismaClient, runId: number): AnswerWriter {
  // The writer's own timer is off (longest timeout there is); full batches it still writes at once.
  const writer = new UpstreamAnswerWriter(prisma, runId, { maxDelayMs: 2_147_483_647 });
  let timer: NodeJS.Timeout | undefined;
  const writeSoon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      if (!lock.lost.aborted) void writer.flush().catch(() => undefined); // the failure is thrown by the next add or flush
    }, ANSWER_MAX_DELAY_MS);
    timer.unref();
  };
  return {
    async add(row) {
      if (lock.lost.aborted) await whileLocked(lock, () => writer.add(row)).catch(() => undefined);
      else {
        await writer.add(row);
        writeSoon();
      }
    },
    async flush() {
      clearTimeout(timer);
      timer = undefined;
      await whileLocked(lock, () => writer.flush());
    },
  };
}

/** The run's quarantine for the steps, whose flush (its only write) is gated by the lock. */
export function lockedQuarantine(lock: HarvestLock, quarantine: Quarantine, signal: AbortSignal): QuarantineSink {
  return {
    // Once the run stops, upstream errors are not recorded: its requests were aborted, and a resume asks again.
    reject: (entry) => (signal.aborted && entry.reason === "upstream_error" ? undefined : quarantine.reject(entry)),
    drift: (entry) => quarantine.drift(entry),
    flag: (entry) => quarantine.flag(entry),
    flush: () => whileLocked(lock, () => quarantine.flush()),
  };
}

/** The run's fact writer, gated by the lock; `onWritten` receives the rows written per table. */
export function lockedFacts(lock: HarvestLock, prisma: PrismaClient, runId: number, onWritten: (rows: RowCounts) => void): FactWriter {
  const write = async (observations: readonly RatingObservation[], precedence: boolean) =>
    onWritten(await whileLocked(lock, () => insertRatingFacts(prisma, runId, observations, { replace: precedence })));
  return {
    write: (observations) => write(observations, false),
    overwrite: (observations) => write(observations, true),
  };
}
