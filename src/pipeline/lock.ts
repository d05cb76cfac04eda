/**
 * The harvest lock: a PostgreSQL session advisory lock held on a dedicated connection for the whole run,
 * so that two processes (or two `serve` replicas) never harvest into the same database at once. If the
 * process dies, the connection closes and PostgreSQL releases the lock.
 *
 * Losing the lock's connection (PostgreSQL terminated the backend, a restart, a network cut) releases the
 * lock while the run goes on, so the loss is never silent: {@link HarvestLock.lost} aborts at once, and
 * the lock immediately tries to take itself again on a new connection ({@link HarvestLock.regained}). The
 * run stops on the loss (status `interrupted`, resumable); its ending (last answers, quarantine, run row)
 * is written only when the lock was taken again, never while another harvest may hold it.
 */
import pg from "pg";
import { HarvestLockedError } from "../errors.js";

/** Advisory lock key of harvests ("tvha" in ASCII). */
export const HARVEST_LOCK_KEY = 0x74766861;

/** Attempts to take the lock again after its connection was lost, and the pause between them (ms). */
const RETAKE_ATTEMPTS = 5;
const RETAKE_PAUSE_MS = 200;

/** A held lock; `release()` unlocks and closes the connection. */
export interface HarvestLock {
  /** Aborted when the lock's connection is lost (the lock is then no longer held by this session). */
  readonly lost: AbortSignal;
  /**
   * After a loss: resolves true once the lock is held again on a new connection, false when it could not be
   * taken again (another session holds it, or the database stays unreachable: 5 attempts 200 ms apart).
   * Before any loss: true.
   */
  regained(): Promise<boolean>;
  /** Unlocks and closes the connection (errors ignored: a closed connection has released the lock). */
  release(): Promise<void>;
}

/** Connects and tries the lock once; the connection is closed again when the lock is held elsewhere. */
async function tryLock(databaseUrl: string): Promise<pg.Client | null> {
  const client = new pg.Client({ connectionString: databaseUrl, keepAlive: true });
  // A broken connection means the lock is gone anyway; don't let the error crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [HARVEST_LOCK_KEY]);
    if (rows[0]?.locked === true) return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  await client.end().catch(() => undefined);
  return null;
}

/**
 * Takes the harvest lock without waiting.
 * @throws {HarvestLockedError} when another session holds it
 * @throws the connection error when the database cannot be reached
 */
export async function acquireHarvestLock(databaseUrl: string): Promise<HarvestLock> {
  const first = await tryLock(databaseUrl);
  if (first === null) throw new HarvestLockedError();
  let client: pg.Client | null = first;
  let released = false;
  const loss = new AbortController();
  let retaking: Promise<boolean> = Promise.resolve(true);

  const retake = async (): Promise<boolean> => {
    for (let attempt = 1; attempt <= RETAKE_ATTEMPTS && !released; attempt += 1) {
      try {
        const next = await tryLock(databaseUrl);
        if (next === null) return false; // another session has it: it is theirs now
        if (released) {
          await next.end().catch(() => undefined);
          return false;
        }
        client = next;
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RETAKE_PAUSE_MS));
      }
    }
    return false;
  };

  const watch = (c: pg.Client) => {
    const onLoss = () => {
      if (released || client !== c || loss.signal.aborted) return;
      client = null;
      loss.abort(new Error("the harvest lock's database connection was lost"));
      retaking = retake();
    };
    c.on("error", onLoss);
    c.on("end", onLoss);
  };
  watch(first);

  return {
    lost: loss.signal,
    regained: () => retaking,
    async release() {
      released = true;
      await retaking.catch(() => false);
      const c = client;
      client = null;
      if (c === null) return;
      await c.query("SELECT pg_advisory_unlock($1)", [HARVEST_LOCK_KEY]).catch(() => undefined);
      await c.end().catch(() => undefined);
    },
  };
}
