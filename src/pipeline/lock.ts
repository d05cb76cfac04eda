/**
 * The harvest lock: a PostgreSQL session advisory lock held on a dedicated connection for the whole run,
 * so that two processes (or two `serve` replicas) never harvest into the same database at once. If the
 * process dies, the connection closes and PostgreSQL releases the lock.
 */
import pg from "pg";
import { HarvestLockedError } from "../errors.js";

/** Advisory lock key of harvests ("tvha" in ASCII). */
export const HARVEST_LOCK_KEY = 0x74766861;

/** A held lock; `release()` unlocks and closes the connection. */
export interface HarvestLock {
  release(): Promise<void>;
}

/**
 * Takes the harvest lock without waiting.
 * @throws {HarvestLockedError} when another session holds it.
 */
export async function acquireHarvestLock(databaseUrl: string): Promise<HarvestLock> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // A broken connection means the lock is gone anyway; don't let the error crash the process.
  client.on("error", () => undefined);
  const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [HARVEST_LOCK_KEY]);
  if (!rows[0]?.locked) {
    await client.end();
    throw new HarvestLockedError();
  }
  return {
    async release() {
      await client.query("SELECT pg_advisory_unlock($1)", [HARVEST_LOCK_KEY]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
