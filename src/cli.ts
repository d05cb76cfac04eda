/**
 * The command table of `tv-harvester` (commander). Commands are plain async functions returning an exit
 * code; their modules load lazily. Only `src/main.ts` calls `process.exit`.
 *
 *   harvest [--max-pages N] [--no-omdb] [--no-scrape] [--resume]   one harvest run (incremental when it can be)
 *           [--full] [--refresh ID…] [--run-key KEY [--step S]]   (the key's run, or one of its steps)
 *           [--summary-json FILE|-]                                (the result as JSON)
 *   start                                                          the main job: a real harvest with TMDB
 *                                                                  credentials, else the labelled demo
 *   migrate                                                        apply pending migrations
 *   check [--run N] [--store]                                      run the data-quality suite (read-only unless --store)
 *   scrape --site rottentomatoes|metacritic (--url U | --file F)   parse one ratings page, print JSON
 *   serve                                                          scheduled harvests + /metrics, /healthz
 *   db create-reader                                               read-only role for Tableau
 *   export --format parquet|csv --out DIR                          every analytics view to files (DuckDB)
 *   tableau --out FILE                                             the Tableau workbook for this database
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import type { App } from "./app.js";
import { configSecrets, likelyTypos, loadConfig, type Config } from "./config.js";
import { databaseProblem } from "./db/target.js";
import { ConfigError, errorMessage } from "./errors.js";
import { ExitCode, exitCodeHelp, exitCodeOfError } from "./exit-codes.js";
import { HARVEST_STEPS, type HarvestStep } from "./pipeline/steps.js";
import { redactUrl, SecretScrubber } from "./secrets.js";
import type { CommandIO } from "./commands/io.js";

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a whole number > 0");
  return n;
}

/** A run key: letters, digits and `._:+-`, at most 128 characters (an ISO week, a date, an orchestrator's run id). */
function runKey(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/.test(value)) {
    throw new InvalidArgumentError("must be 1-128 letters, digits or ._:+- (e.g. 2026-W49), starting with a letter or digit");
  }
  return value;
}

/** The options of `harvest` as commander parses them. */
interface HarvestCliOptions {
  maxPages?: number;
  omdb: boolean;
  scrape: boolean;
  resume: boolean;
  full: boolean;
  refresh: number[];
  runKey?: string;
  step?: HarvestStep;
  summaryJson?: string;
}

/** Commander's collector for a variadic option of whole numbers > 0. */
function collectPositiveInts(value: string, previous: number[]): number[] {
  return [...previous, positiveInt(value)];
}

/** Ends `runCli` with `parseOnly` once commander has accepted the arguments, before any action runs. */
class ParsedOnly extends Error {}

/** The package's version (package.json is the parent folder's, for src/cli.ts and dist/cli.js alike). */
export function packageVersion(): string {
  const pkg = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")));
  return pkg.version;
}

/**
 * Parses `argv` (without `node script`) and runs the command.
 * With `parseOnly` nothing runs (not even the configuration check): 0 when commander accepts `argv` (command,
 * options, choices, argument parsers), 2 when it does not; deploy/ manifests are checked this way.
 * @returns the process exit code (src/exit-codes.ts): 0 success, 1 failure (run failed, check failed…), 2 bad usage
 *   or configuration (a database URL that cannot log in included), 75 temporary (lock held, database or upstream
 *   unreachable), 65 / 66 / 130 / 143 from `harvest`.
 */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CommandIO,
  options: { parseOnly?: boolean } = {},
): Promise<number> {
  const session = new CliSession(env, io);
  const program = new Command()
    .name("tv-harvester")
    .description("Harvests TMDB's top-rated TV series with IMDb, Rotten Tomatoes and Metacritic ratings into a PostgreSQL star schema.")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError()
    .addHelpText("after", `\n${exitCodeHelp()}\n`)
    // Every command validates the whole configuration first, so a bad value is reported whatever the command.
    .hook("preAction", (_program, action) => {
      if (options.parseOnly) throw new ParsedOnly();
      for (const line of likelyTypos(env)) io.stderr(`warning: ${line}\n`);
      session.config(NEEDS_TMDB.has(action.name()) ? action.name() : undefined);
    });
  addHarvestCommands(program, session);
  addDataCommands(program, session);
  try {
    await program.parseAsync(argv, { from: "user" });
    return session.exitCode;
  } catch (error) {
    return session.failed(error);
  }
}

/** Commands that call TMDB: refused before any request or run row without its credentials. */
const NEEDS_TMDB = new Set(["harvest", "serve"]);

/** What one `runCli` call shares between its commands: the configuration, the database used, the exit code. */
class CliSession {
  exitCode: number = ExitCode.ok;
  private loaded: Config | undefined;
  /** The database the command used (the embedded one's URL once started), for naming it when it fails. */
  private databaseUrl: string | undefined;

  constructor(
    readonly env: Record<string, string | undefined>,
    readonly io: CommandIO,
  ) {}

  /**
   * The configuration, loaded once. `tmdbFor`: the command calls TMDB, so missing credentials are a configuration
   * problem (listed with the others).
   * @throws {ConfigError} a missing or invalid variable
   */
  config(tmdbFor?: string): Config {
    // On a terminal the progress bar tells the story: only warnings and errors are logged unless asked.
    this.loaded ??= loadConfig(this.io.interactive && !this.env.LOG_LEVEL ? { ...this.env, LOG_LEVEL: "warn" } : this.env, { tmdbFor });
    return this.loaded;
  }

  /** Notes the database a command works on (before it connects), for naming it when it fails. */
  usesDatabase(url: string | undefined): void {
    this.databaseUrl = url;
  }

  /** An error's one-line message without any configured secret. */
  scrubbedMessage(error: unknown): string {
    return this.scrubber().scrubText(errorMessage(error));
  }

  /**
   * Runs `fn` with an app built from the configuration (which applies pending migrations first, so no command meets
   * a database without tables, unless `appOptions.migrate` is false: `check` is read-only), closing it afterwards;
   * `fn`'s result is the exit code.
   */
  async withApp(fn: (app: App) => Promise<number>, appOptions: { migrate?: boolean } = {}): Promise<void> {
    const { createApp } = await import("./app.js");
    const config = this.config();
    this.usesDatabase(config.databaseUrl);
    const app = await createApp(config, {
      ...appOptions,
      onEmbeddedDatabase: (url) => {
        this.usesDatabase(url);
        this.io.stderr(`Embedded PostgreSQL running (data in ${config.embeddedPostgres.dataDir}): ${redactUrl(url)}\n`);
      },
    });
    try {
      this.exitCode = await fn(app);
    } finally {
      await app.close();
    }
  }

  /** Reports a command's failure on stderr (no secret in it) and returns its exit code (src/exit-codes.ts). */
  failed(error: unknown): number {
    const { io } = this;
    if (error instanceof ParsedOnly) return ExitCode.ok;
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.config;
    if (error instanceof InvalidArgumentError) {
      io.stderr(`error: ${error.message}\n`);
      return ExitCode.config;
    }
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\nSee .env.example for every variable and its default.\n`);
      return ExitCode.config;
    }
    const database = this.databaseUrl === undefined ? null : databaseProblem(error, this.databaseUrl);
    if (database) {
      io.stderr(`error: ${this.scrubber().scrubText(database.message)}\n`);
      return database.exitCode;
    }
    io.stderr(`error: ${this.scrubbedMessage(error)}\n`);
    // Temporary (lock held, database or upstream unreachable): 75, which schedulers retry; anything else 1.
    return exitCodeOfError(error);
  }

  private scrubber(): SecretScrubber {
    return new SecretScrubber(this.loaded ? configSecrets(this.loaded) : []);
  }
}

/** The commands that harvest: `harvest`, `start`, `serve`. */
function addHarvestCommands(program: Command, session: CliSession): void {
  const { io } = session;
  program
    .command("harvest")
    .description("run one harvest: TMDB top-rated series → details → OMDb → ratings sites → star schema → quality checks")
    .option("--max-pages <n>", "stop after N pages of /tv/top_rated (TMDB serves at most 500)", positiveInt)
    .option("--no-omdb", "skip the OMDb enrichment (IMDb ratings)")
    .option("--no-scrape", "skip the Rotten Tomatoes and Metacritic enrichment")
    .option("--resume", "continue the latest interrupted or failed run, re-using what it already fetched", false)
    .option("--full", "fetch every series' details and enrichments whatever their refresh ages (docs/refresh.md)", false)
    .option("--refresh <tmdbId...>", "fetch these series (TMDB ids) again whatever their refresh ages", collectPositiveInts, [])
    .addOption(
      new Option("--run-key <key>", "the run of this key (e.g. 2026-W49): started, resumed, or nothing to do once it succeeded")
        .argParser(runKey)
        .conflicts("resume"),
    )
    .addOption(new Option("--step <step>", "run only this step of the key's run (needs --run-key)").choices(HARVEST_STEPS))
    .option("--summary-json <file>", "also write the result as JSON to FILE (`-`: stdout, everything else to stderr); docs/orchestration.md")
    .addHelpText("after", `\n${exitCodeHelp()}\n`)
    .action(async (opts: HarvestCliOptions) => {
      if (opts.step !== undefined && opts.runKey === undefined)
        throw new InvalidArgumentError("--step needs --run-key: a step belongs to a keyed run");
      const { harvestCommand, writeErrorResult } = await import("./commands/harvest.js");
      const started = performance.now();
      try {
        await session.withApp((app) => harvestCommand(app, opts, io));
      } catch (error) {
        // The orchestrator still gets its JSON (status "error"); the error itself is reported by `failed`.
        writeErrorResult(opts, { code: exitCodeOfError(error), error: session.scrubbedMessage(error), startedMs: started, io });
        throw error;
      }
    });

  program
    .command("start")
    .description("the main job on the embedded default: a real harvest with TMDB credentials, otherwise a labelled demo on local replays")
    .action(async () => {
      const { startCommand } = await import("./commands/start.js");
      session.exitCode = await startCommand(session.config(), session.env, io);
    });

  program
    .command("serve")
    .description("long-running mode: harvest on the HARVEST_SCHEDULE cron (UTC), serve /metrics and /healthz")
    .action(async () => {
      session.usesDatabase(session.config().databaseUrl);
      const { serveCommand } = await import("./commands/serve.js");
      session.exitCode = await serveCommand(session.config(), io);
    });
}

/** The commands around the data: `migrate`, `check`, `scrape`, `db create-reader`, `export`, `tableau`. */
function addDataCommands(program: Command, session: CliSession): void {
  const { io } = session;
  program
    .command("migrate")
    .description("apply pending database migrations (same bookkeeping as `prisma migrate deploy`)")
    .action(async () => {
      const { migrateCommand } = await import("./commands/migrate.js");
      await session.withApp((app) => migrateCommand(app, io));
    });

  program
    .command("check")
    .description(
      "run the data-quality expectations for the latest run (or --run N); exits 1 on an error-severity failure. Read-only: no migration, nothing stored unless --store",
    )
    .option("--run <n>", "harvest run id", positiveInt)
    .option("--store", "store the results, replacing the run's stored ones (and the gauges serve restores from them)", false)
    .action(async (opts: { run?: number; store: boolean }) => {
      const { checkCommand } = await import("./commands/check.js");
      // Read-only: no migration either (a database without the tables is told so).
      await session.withApp(
        (app) => checkCommand(opts, { stdout: io.stdout, prisma: app.prisma, metrics: app.metrics, now: app.now, thresholds: app.config.quality }),
        { migrate: false },
      );
    });

  program
    .command("scrape")
    .description("parse one Rotten Tomatoes or Metacritic page and print scores, counts and the matched strategy as JSON")
    .addOption(new Option("--site <site>", "ratings site").choices(["rottentomatoes", "metacritic"]).makeOptionMandatory())
    .addOption(new Option("--url <url>", "fetch this page (robots.txt honoured)").conflicts("file"))
    .addOption(new Option("--file <path>", "parse a saved page").conflicts("url"))
    .action(async (opts: { site: "rottentomatoes" | "metacritic"; url?: string; file?: string }) => {
      if (!opts.url && !opts.file) throw new InvalidArgumentError("one of --url or --file is required");
      const { scrapeCommand } = await import("./commands/scrape.js");
      session.exitCode = await scrapeCommand(opts, { stdout: io.stdout, stderr: io.stderr, config: session.config() });
    });

  const db = program.command("db").description("database administration");
  db.command("create-reader")
    .description("create or update the read-only role (READER_ROLE_NAME / READER_ROLE_PASSWORD) that can read the analytics views only")
    .action(async () => {
      const { createReaderCommand } = await import("./commands/db.js");
      await session.withApp((app) => createReaderCommand({ stdout: io.stdout, databaseUrl: app.databaseUrl, reader: app.config.reader }));
    });

  program
    .command("export")
    .description("write every analytics view (the state of the latest succeeded run) to DIR as Parquet or CSV files, with a manifest")
    .addOption(new Option("--format <format>", "file format").choices(["parquet", "csv"]).default("parquet"))
    .requiredOption("--out <dir>", "output directory (created when missing)")
    .action(async (opts: { format: "parquet" | "csv"; out: string }) => {
      const { exportCommand } = await import("./commands/export.js");
      await session.withApp(async (app) => exportCommand(opts, { stdout: io.stdout, databaseUrl: app.databaseUrl }));
    });

  program
    .command("tableau")
    .description("write the Tableau workbook (four dashboards and the show profile) connecting to this database as the reader role; no password")
    .requiredOption("--out <file>", "the .twb file to write")
    .option("--placeholders", "connect to placeholders (your-database-host:5432/tv_harvester) instead: the committed workbook", false)
    .action(async (opts: { out: string; placeholders: boolean }) => {
      const { tableauCommand } = await import("./commands/tableau.js");
      session.exitCode = tableauCommand(opts, { stdout: io.stdout, config: session.config() });
    });
}
