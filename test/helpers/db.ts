/**
 * The one way tests get a database: a fresh database per test file (or per test) on the run's PostgreSQL
 * (test/helpers/global-setup.ts). A migrated one is a clone of the template that global setup migrated with the
 * project's migrations through the same code the harvester uses (src/db/migrate.ts), so `_prisma_migrations` is
 * there as after `prisma migrate deploy`; an empty one is for tests of migrating itself.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { createPrisma, type PrismaClient } from "../../src/db/prisma.js";

/** A database created for a test. `url` connects to it; `query` runs SQL on a shared client. */
export interface TestDatabase {
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * Creates a database with every migration applied (a clone of the migrated template), or with `migrate: false` an
 * empty one.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(options.migrate === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${inject("pgTemplateDatabase")}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
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

/** A test database with a Prisma client on it, set up and torn down by the hooks {@link useTestDatabase} registers. */
export interface DatabaseFixture {
  readonly db: TestDatabase;
  readonly prisma: PrismaClient;
}

/**
 * The one database setup of the test files: registers hooks that create a migrated database and a Prisma
 * client before the file's tests (`scope: "file"`, default) or before each test (`scope: "test"`), and
 * disconnect and drop them after. Read `db` and `prisma` inside tests and hooks (they throw outside).
 */
export function useTestDatabase(options: { scope?: "file" | "test" } = {}): DatabaseFixture {
  let current: { db: TestDatabase; prisma: PrismaClient } | undefined;
  const setUp = async () => {
    const db = await createTestDatabase();
    current = { db, prisma: createPrisma(db.url) };
  };
  const tearDown = async () => {
    const was = current;
    current = undefined;
    await was?.prisma.$disconnect();
    await was?.db.drop();
  };
  if (options.scope === "test") {
    beforeEach(setUp);
    afterEach(tearDown);
  } else {
    beforeAll(setUp);
    afterAll(tearDown);
  }
  const get = () => {
    if (!current) throw new Error("the test database exists only inside tests and hooks");
    return current;
  };
  return {
    get db() {
      return get().db;
    },
    get prisma() {
      return get().prisma;
    },
  };
}
