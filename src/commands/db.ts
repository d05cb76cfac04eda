/**
 * `tv-harvester db …` commands.
 *
 * `db create-reader`: creates (or updates) the read-only role that Tableau connects as
 * (READER_ROLE_NAME, default tableau_reader; password READER_ROLE_PASSWORD), on a database whose pending
 * migrations the app applied (src/app.ts), so the analytics views exist. See src/ops/reader-role.ts for what it may do, and
 * docs/tableau.md for connecting Tableau.
 */
import type { Config } from "../config.js";
import { ConfigError } from "../errors.js";
import { ensureReaderRole } from "../ops/reader-role.js";

/** What `db create-reader` needs: the database (as the migrating role), the reader settings, an output. */
export interface CreateReaderIo {
  stdout: (s: string) => void;
  databaseUrl: string;
  reader: Config["reader"];
}

/**
 * Creates or updates the reader role and prints what it can read. Never prints the password.
 * Returns 0 on success.
 * @throws {ConfigError} when READER_ROLE_PASSWORD is not set
 * @throws Error from PostgreSQL (e.g. the connecting role may not create roles)
 */
export async function createReaderCommand(io: CreateReaderIo): Promise<number> {
  const { roleName, password } = io.reader;
  if (!password) throw new ConfigError(["READER_ROLE_PASSWORD: required by `db create-reader` (the reader role's password)"]);
  const result = await ensureReaderRole(io.databaseUrl, roleName, password);
  io.stdout(
    `${result.created ? "Created" : "Updated"} read-only role ${result.role} on database ${result.database}.\n` +
      `It can read ${result.views.length} views of schema analytics: ${result.views.join(", ")}.\n` +
      `It can read ${result.monitoringViews.length} views of schema monitoring (Grafana's Database health board): ${result.monitoringViews.join(", ")}.\n` +
      `It can read the contract views ${result.contractViews.join(", ") || "(none yet)"} of schema public, and no table.\n` +
      `Views that later migrations create (as ${result.defaultPrivilegesFor}) are readable too; nothing else is.\n`,
  );
  for (const warning of result.warnings) io.stdout(`Warning: ${warning}\n`);
  return 0;
}
