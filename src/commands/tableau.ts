/**
 * `tv-harvester tableau --out FILE`: writes the Tableau workbook (the four dashboards and the Show Profile, see
 * docs/tableau.md) with its live PostgreSQL connection filled from the configuration: host, port and database of
 * `DATABASE_URL`, or of the embedded server (127.0.0.1, EMBEDDED_PG_PORT, tv_harvester) when it is unset, and the
 * reader role's name (READER_ROLE_NAME). Never a password: Tableau asks for the reader's when the workbook opens.
 *
 * The committed `tableau/tv-harvester.twb` is this command's output for {@link PLACEHOLDER_CONNECTION}
 * (`tv-harvester tableau --placeholders --out tableau/tv-harvester.twb`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { embeddedDatabaseUrl } from "../db/embedded.js";
import { PLACEHOLDER_CONNECTION, WORKBOOK_FORMAT, writeWorkbook, type TableauConnection } from "../tableau/twb.js";
import { WORKBOOK } from "../tableau/workbook.js";

/** Options of `tableau`. */
export interface TableauOptions {
  /** The workbook to write (`.twb`); its folder is created when missing, an existing file is replaced. */
  out: string;
  /** Write {@link PLACEHOLDER_CONNECTION} instead of the configuration's database (how the committed workbook is made). */
  placeholders?: boolean;
}

/** What `tableau` needs: the configuration (no database connection is opened) and an output. */
export interface TableauIo {
  stdout: (s: string) => void;
  config: Pick<Config, "databaseUrl" | "embeddedPostgres" | "reader">;
}

/**
 * The connection Tableau should use for this configuration: server, port and database of DATABASE_URL (or of the
 * embedded server's URL), the reader role as username. The URL's own user and password are never used.
 */
export function tableauConnection(config: TableauIo["config"]): TableauConnection {
  const url = new URL(config.databaseUrl ?? embeddedDatabaseUrl(config.embeddedPostgres.port));
  const dbname = decodeURIComponent(url.pathname.replace(/^\//, ""));
  return {
    // IPv6 hosts come bracketed in a URL; Tableau's server field takes the bare address.
    server: url.hostname.replace(/^\[(.*)\]$/, "$1") || PLACEHOLDER_CONNECTION.server,
    port: url.port ? Number(url.port) : PLACEHOLDER_CONNECTION.port,
    dbname: dbname || PLACEHOLDER_CONNECTION.dbname,
    username: config.reader.roleName,
  };
}

/**
 * Writes the workbook for this configuration and says what it connects to. Returns 0.
 * @throws Error from the file system (a folder that cannot be created, a file that cannot be written)
 */
export function tableauCommand(options: TableauOptions, io: TableauIo): number {
  const connection = options.placeholders ? PLACEHOLDER_CONNECTION : tableauConnection(io.config);
  mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
  writeFileSync(options.out, writeWorkbook(WORKBOOK, connection));
  io.stdout(
    `Wrote ${options.out} (Tableau Desktop ${WORKBOOK_FORMAT.minimumDesktop} or newer): PostgreSQL ${connection.server}:${connection.port}, ` +
      `database ${connection.dbname}, user ${connection.username}. Tableau asks for the password when the workbook opens.\n`,
  );
  if (["127.0.0.1", "localhost", "::1"].includes(connection.server)) {
    io.stdout(`${connection.server} is this machine: run Tableau here, or reach the port through an SSH tunnel (docs/tableau.md).\n`);
  }
  if (!io.config.reader.password) {
    io.stdout("The reader role is created by `tv-harvester db create-reader` (READER_ROLE_PASSWORD); see docs/tableau.md.\n");
  }
  return 0;
}
