/**
 * The migrator applies prisma/migrations and keeps `_prisma_migrations` exactly as `prisma migrate deploy`
 * does, so the Prisma CLI and the harvester can manage the same database.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, applyMigrations, readMigrations } from "../../src/db/migrate.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe("applyMigrations", () => {
  it("applies every migration once and records it like prisma migrate deploy", async () => {
    const db = await createTestDatabase({ migrate: false });
    dbs.push(db);
    const first = await applyMigrations(db.url);
    const names = readMigrations().map((m) => m.name);
    expect(first.applied).toEqual(names);
    expect(names[0]).toBe("20261121000000_init");
    const rows = await db.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
      logs: string | null;
      rolled_back_at: Date | null;
    }>(`SELECT migration_name, checksum, finished_at, applied_steps_count, logs, rolled_back_at FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).not.toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
    }
    const second = await applyMigrations(db.url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(names);
    const tables = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.views WHERE table_schema = 'analytics'`);
    expect(tables[0]!.n).toBeGreaterThanOrEqual(6);
  });

  it("records a failed migration and refuses to go on until it is resolved", async () => {
    const db = await createTestDatabase({ migrate: false });
    dbs.push(db);
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-migrations-"));
    const write = (name: string, sql: string) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "migration.sql"), sql);
    };
    write("20200101000000_ok", "CREATE TABLE a (id int);");
    write("20200102000000_bad", "CREATE TABLE b (id int); SELECT * FROM no_such_table;");
    await expect(applyMigrations(db.url, dir)).rejects.toThrow(/20200102000000_bad failed/);
    const rows = await db.query<{ migration_name: string; finished_at: Date | null; logs: string | null }>(
      `SELECT migration_name, finished_at, logs FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows[0]).toMatchObject({ migration_name: "20200101000000_ok" });
    expect(rows[1]).toMatchObject({ migration_name: "20200102000000_bad", finished_at: null });
    expect(rows[1]!.logs).toContain("no_such_table");
    // The failed migration's statements were rolled back.
    expect(await db.query(`SELECT to_regclass('public.b') AS t`)).toEqual([{ t: null }]);
    await expect(applyMigrations(db.url, dir)).rejects.toThrow(/failed earlier and was not resolved/);
  });

  it("reports applied migrations whose file changed since", async () => {
    const db = await createTestDatabase({ migrate: false });
    dbs.push(db);
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-migrations-"));
    mkdirSync(path.join(dir, "20200101000000_a"));
    writeFileSync(path.join(dir, "20200101000000_a", "migration.sql"), "CREATE TABLE a (id int);");
    await applyMigrations(db.url, dir);
    writeFileSync(path.join(dir, "20200101000000_a", "migration.sql"), "CREATE TABLE a (id bigint);");
    expect((await applyMigrations(db.url, dir)).modified).toEqual(["20200101000000_a"]);
  });
});
