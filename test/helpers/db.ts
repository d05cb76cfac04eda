/**
 * A fresh database per test file (or per test) on the run's PostgreSQL, with the project's migrations
 * applied through the same code the harvester uses.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { applyMigrations } from "../../src/db/migrate.js";

/** A database created for a test. `url` connects to it; `query` runs SQL on a shared client. */
export interface TestDatabase {
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates an empty database; with `migrate` (default true) applies every migration. */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  if (options.migrate ?? true) await applyMigrations(dbUrl);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  return {
    url: dbUrl,
    name,
    async query(sql, params) {
      const result = await client.query(sql, params);
      return result.rows;
    },
    async drop() {
      await client.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
