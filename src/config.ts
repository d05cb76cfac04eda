/**
 * Configuration from the environment, validated once at start-up with zod.
 *
 * This is the only module that reads `process.env` (through its `env` argument). Every variable is listed
 * in `.env.example` with its default. A bad or missing value fails with one {@link ConfigError} listing
 * every problem at once.
 */
import { Cron } from "croner";
import { closest, distance } from "fastest-levenshtein";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { DEFAULT_REFRESH_POLICY, SERIES_ACTIVITIES, type RefreshPolicy, type RefreshSource, type SeriesActivity } from "./refresh/policy.js";
import { isNullRatioColumn, type NullRatioColumn } from "./quality/columns.js";
import { DEFAULT_MAX_BODY_BYTES, UPSTREAM_KIND, type UpstreamKind, type UpstreamLimits } from "./http/limits.js";
import type { UpstreamName } from "./metrics/metrics.js";

/** Empty strings in the environment count as unset. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const httpUrl = (fallback: string) =>
  optionalString.pipe(
    z
      .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
      .optional()
      .transform((v) => (v ?? fallback).replace(/\/+$/, "")),
  );

/** A numeric variable: `fallback` when unset; otherwise a finite number accepted by `valid`. */
const numberVar = (fallback: number, valid: (n: number) => boolean, expected: string) =>
  optionalString.pipe(
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isFinite(n) || !valid(n)) {
          ctx.addIssue({ code: "custom", message: `must be ${expected}, got "${v}"` });
          return z.NEVER;
        }
        return n;
      }),
  );

const positiveNumber = (fallback: number) => numberVar(fallback, (n) => n > 0, "a positive number");

const positiveInt = (fallback: number) => positiveNumber(fallback).refine((n) => Number.isInteger(n), { message: "must be a whole number" });

/** A positive number, or undefined when unset (the caller falls back to another variable). */
const optionalPositiveNumber = optionalString.transform((v, ctx) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: "custom", message: `must be a positive number, got "${v}"` });
    return z.NEVER;
  }
  return n;
});

const nonNegativeInt = (fallback: number) => numberVar(fallback, (n) => Number.isInteger(n) && n >= 0, "a whole number >= 0");

/** A TCP port, 1–65535. */
const port = (fallback: number) => numberVar(fallback, (n) => Number.isInteger(n) && n >= 1 && n <= 65_535, "a TCP port (1-65535)");

/** A cron expression croner accepts (5 fields, or 6 with seconds), evaluated in UTC. */
const cronExpression = (fallback: string) =>
  optionalString.transform((v, ctx) => {
    const expression = v ?? fallback;
    try {
      new Cron(expression, { timezone: "UTC", paused: true }).stop();
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `must be a cron expression (e.g. "0 3 * * 1"), got "${expression}": ${error instanceof Error ? error.message : String(error)}`,
      });
      return z.NEVER;
    }
    return expression;
  });

const postgresUrl = optionalString.pipe(
  z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, { message: "must be a postgres:// or postgresql:// URL" })
    .optional(),
);

/** `column=ratio,column=ratio` with ratios in 0–1 and the columns of src/quality/columns.ts. */
const nullThresholds = optionalString.transform((v, ctx) => {
  const out: Partial<Record<NullRatioColumn, number>> = {};
  if (v === undefined) return out;
  for (const pair of v
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [column = "", ratio = ""] = pair.split("=").map((p) => p.trim());
    const n = Number(ratio);
    if (!isNullRatioColumn(column)) {
      ctx.addIssue({ code: "custom", message: `unknown column "${column}" in "${pair}"` });
    } else if (ratio === "" || !Number.isFinite(n) || n < 0 || n > 1) {
      ctx.addIssue({ code: "custom", message: `ratio must be between 0 and 1 in "${pair}"` });
    } else {
      out[column] = n;
    }
  }
  return out;
});

/** `active=7,recently_ended=14,ended=30,long_ended=90` (days); unlisted activities keep the source's defaults. */
const refreshAges = (source: RefreshSource) =>
  optionalString.transform((v, ctx) => {
    const ages: Record<SeriesActivity, number> = { ...DEFAULT_REFRESH_POLICY.ageDays[source] };
    if (v === undefined) return ages;
    for (const pair of v
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [activity = "", days = ""] = pair.split("=").map((p) => p.trim());
      const n = Number(days);
      const known = SERIES_ACTIVITIES.find((a) => a === activity);
      if (known === undefined)
        ctx.addIssue({ code: "custom", message: `unknown activity "${activity}" in "${pair}" (${SERIES_ACTIVITIES.join(", ")})` });
      else if (days === "" || !Number.isFinite(n) || n <= 0) ctx.addIssue({ code: "custom", message: `days must be a positive number in "${pair}"` });
      else ages[known] = n;
    }
    return ages;
  });

const logLevel = optionalString.pipe(
  z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .optional()
    .transform((v) => v ?? "info"),
);

/** `US,GB`: ISO 3166-1 alpha-2 regions, upper-cased, each once; default `US`. */
const watchRegions = optionalString.transform((v, ctx) => {
  if (v === undefined) return ["US"];
  const regions = [
    ...new Set(
      v
        .split(",")
        .map((r) => r.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  const bad = regions.filter((r) => !/^[A-Z]{2}$/.test(r));
  if (regions.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: "custom", message: `must be a comma list of two-letter region codes (ISO 3166-1), got "${v}"` });
    return z.NEVER;
  }
  return regions;
});

/** Environment variables, their defaults and meaning. Keep `.env.example` in step with this. */
const envSchema = z.object({
  /** TMDB v3 API key, sent as the `api_key` query parameter. One of this or TMDB_ACCESS_TOKEN. */
  TMDB_API_KEY: optionalString,
  /** TMDB v4 read access token, sent as `Authorization: Bearer …`. */
  TMDB_ACCESS_TOKEN: optionalString,
  /** OMDb API key (`apikey` query parameter). Without it the OMDb stage is skipped. */
  OMDB_API_KEY: optionalString,
  /** PostgreSQL URL. Unset: an embedded PostgreSQL is started with its data under EMBEDDED_PG_DIR. */
  DATABASE_URL: postgresUrl,
  /** Default https://api.themoviedb.org/3 */
  TMDB_API_URL: httpUrl("https://api.themoviedb.org/3"),
  /** Default https://www.omdbapi.com/ */
  OMDB_API_URL: httpUrl("https://www.omdbapi.com"),
  /** TMDB requests per second (default 40). */
  TMDB_REQUESTS_PER_SECOND: positiveNumber(40),
  /** TMDB requests in flight at once (default 20). */
  TMDB_MAX_CONCURRENT: positiveInt(20),
  /** Regions whose streaming availability (TMDB watch/providers) is kept, a comma list (default US). */
  TMDB_WATCH_REGIONS: watchRegions,
  /** OMDb requests per UTC day across all runs (default 1000, the free tier). */
  OMDB_DAILY_BUDGET: nonNegativeInt(1000),
  /** OMDb requests per second (default 10). */
  OMDB_REQUESTS_PER_SECOND: positiveNumber(10),
  /** OMDb requests in flight at once (default 5). */
  OMDB_MAX_CONCURRENT: positiveInt(5),
  /** Deadline of one HTTP answer (send to last byte) where no HTTP_DEADLINE_SECONDS_* says otherwise, seconds (default 30). */
  HTTP_TIMEOUT_SECONDS: positiveNumber(30),
  /** Retries of a request after a 5xx, timeout or connection error (default 5). 429s do not use these up. */
  HTTP_MAX_RETRIES: nonNegativeInt(5),
  /** First backoff delay, milliseconds (default 500); doubles per retry, with full jitter. */
  HTTP_BACKOFF_BASE_MS: positiveInt(500),
  /** Backoff cap, milliseconds (default 30000). */
  HTTP_BACKOFF_MAX_MS: positiveInt(30_000),
  /** Seconds one request may meet nothing but 429s before it fails (default 900); a storm only pauses the upstream. */
  HTTP_RATE_LIMIT_DEADLINE_SECONDS: positiveNumber(900),
  /** Deadline of one TMDB answer, seconds, from sending the request to its last byte (default HTTP_TIMEOUT_SECONDS). */
  HTTP_DEADLINE_SECONDS_TMDB: optionalPositiveNumber,
  /** Deadline of one OMDb answer, seconds (default HTTP_TIMEOUT_SECONDS). */
  HTTP_DEADLINE_SECONDS_OMDB: optionalPositiveNumber,
  /** Deadline of one Wikidata answer, seconds (default HTTP_TIMEOUT_SECONDS). */
  HTTP_DEADLINE_SECONDS_WIKIDATA: optionalPositiveNumber,
  /** Deadline of one ratings-site page (Rotten Tomatoes, Metacritic), seconds (default HTTP_TIMEOUT_SECONDS). */
  HTTP_DEADLINE_SECONDS_PAGES: optionalPositiveNumber,
  /** Largest TMDB answer read, bytes (default 1048576 = 1 MiB); a larger one is quarantined as oversized_body. */
  HTTP_MAX_BODY_BYTES_TMDB: positiveInt(DEFAULT_MAX_BODY_BYTES.tmdb),
  /** Largest OMDb answer read, bytes (default 262144 = 256 KiB). */
  HTTP_MAX_BODY_BYTES_OMDB: positiveInt(DEFAULT_MAX_BODY_BYTES.omdb),
  /** Largest Wikidata answer read, bytes (default 16777216 = 16 MiB; a batch of 50 entities' claims). */
  HTTP_MAX_BODY_BYTES_WIKIDATA: positiveInt(DEFAULT_MAX_BODY_BYTES.wikidata),
  /** Largest ratings-site page read, bytes (default 8388608 = 8 MiB). */
  HTTP_MAX_BODY_BYTES_PAGES: positiveInt(DEFAULT_MAX_BODY_BYTES.pages),
  /** After SIGINT/SIGTERM, how long the database writes in flight may take before the process exits anyway, seconds (default 10). */
  SHUTDOWN_DEADLINE_SECONDS: positiveNumber(10),
  /** A harvest with no progress (no answer received, no row written) for this long is stalled, seconds (default 900). */
  HARVEST_STALL_SECONDS: positiveNumber(900),
  /** Rotten Tomatoes base URL (default https://www.rottentomatoes.com). */
  ROTTEN_TOMATOES_URL: httpUrl("https://www.rottentomatoes.com"),
  /** Metacritic base URL (default https://www.metacritic.com). */
  METACRITIC_URL: httpUrl("https://www.metacritic.com"),
  /** Wikidata action API (default https://www.wikidata.org/w/api.php). */
  WIKIDATA_API_URL: httpUrl("https://www.wikidata.org/w/api.php"),
  /** Requests per second to each ratings site (default 1). */
  SCRAPE_REQUESTS_PER_SECOND: positiveNumber(1),
  /** Season pages fetched per series and site: season 1 and the latest aired ones (default 4; 0 = no season pages). */
  SCRAPE_SEASON_PAGES_PER_SERIES: nonNegativeInt(4),
  /** User-Agent sent to the ratings sites and Wikidata. */
  SCRAPER_USER_AGENT: optionalString.transform(
    (v) => v ?? "tv-harvester/0.1 (TV ratings research harvester; +https://github.com/tv-harvester/tv-harvester)",
  ),
  /** Chromium for the browser fallback; default: the system's chromium. */
  PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: optionalString,
  /** Pushgateway URL; when set, a one-shot harvest pushes its metrics there. */
  PUSHGATEWAY_URL: httpUrl("").transform((v) => (v === "" ? undefined : v)),
  /** Cron expression (UTC) of `serve`'s harvests (default every Monday 03:00). */
  HARVEST_SCHEDULE: cronExpression("0 3 * * 1"),
  /** Cron expression (UTC) of `serve`'s enrichment top-ups on the days without a harvest (default daily 04:00; docs/refresh.md). */
  TOPUP_SCHEDULE: cronExpression("0 4 * * *"),
  /** Retries of a failed scheduled harvest within its slot (`serve`; default 3, 0 = none). */
  HARVEST_RETRY_ATTEMPTS: nonNegativeInt(3),
  /** Wait before the first retry of a failed scheduled harvest, milliseconds (default 300000 = 5 min); doubles per retry. */
  HARVEST_RETRY_BACKOFF_MS: positiveInt(300_000),
  /** Port of `serve`'s /metrics and /healthz (default 9464). */
  METRICS_PORT: port(9464),
  /** Read-only role for Tableau created by `db create-reader` (default tableau_reader). */
  READER_ROLE_NAME: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: "must be a lower-case SQL identifier" })
      .optional()
      .transform((v) => v ?? "tableau_reader"),
  ),
  /** Password of the read-only role; required by `db create-reader`. */
  READER_ROLE_PASSWORD: optionalString,
  /** Embedded PostgreSQL data directory (default ./.data/postgres). */
  EMBEDDED_PG_DIR: optionalString.transform((v) => v ?? ".data/postgres"),
  /** Embedded PostgreSQL port (default 54329). */
  EMBEDDED_PG_PORT: port(54329),
  /** Log level: fatal, error, warn, info, debug, trace, silent (default info). */
  LOG_LEVEL: logLevel,
  /**
   * Largest accepted null ratio per key column after a load, e.g. `imdb_rating=0.1,imdb_id=0.2`. Columns:
   * first_air_date, original_language, imdb_id, imdb_rating. Unlisted columns keep their defaults
   * (first_air_date 0.05, original_language 0.05, imdb_id 0.2, imdb_rating 0.1).
   */
  QUALITY_NULL_THRESHOLDS: nullThresholds,
  /** Largest accepted change of a run's series count against the last comparable successful run (default 0.2 = ±20 %). */
  QUALITY_VOLUME_TOLERANCE: positiveNumber(0.2),
  /** Age in days from which the newest successful run counts as stale (default 8). */
  QUALITY_FRESHNESS_MAX_DAYS: positiveNumber(8),
  /** Refresh ages of TMDB details in days per series activity (default `active=7,recently_ended=14,ended=30,long_ended=90`). */
  REFRESH_AGES_TMDB: refreshAges("tmdb"),
  /** Refresh ages of OMDb (IMDb) ratings (default `active=7,recently_ended=14,ended=30,long_ended=60`). */
  REFRESH_AGES_OMDB: refreshAges("omdb"),
  /** Refresh ages of Rotten Tomatoes scores (default `active=14,recently_ended=30,ended=60,long_ended=120`). */
  REFRESH_AGES_ROTTEN_TOMATOES: refreshAges("rottentomatoes"),
  /** Refresh ages of Metacritic scores (default `active=14,recently_ended=30,ended=60,long_ended=120`). */
  REFRESH_AGES_METACRITIC: refreshAges("metacritic"),
  /** Share of an age by which due times are spread earlier, 0–0.5 (default 0.2). */
  REFRESH_JITTER: numberVar(DEFAULT_REFRESH_POLICY.jitter, (n) => n >= 0 && n <= 0.5, "a number from 0 to 0.5"),
  /** First wait after a "not found", days; doubles per further miss (default 7). */
  REFRESH_NOT_FOUND_BASE_DAYS: positiveNumber(DEFAULT_REFRESH_POLICY.notFoundBaseDays),
  /** Longest wait after repeated "not found" answers, days (default 90). */
  REFRESH_NOT_FOUND_MAX_DAYS: positiveNumber(DEFAULT_REFRESH_POLICY.notFoundMaxDays),
  /** Wait after an error before a source is asked again, days (default 1). */
  REFRESH_ERROR_RETRY_DAYS: positiveNumber(DEFAULT_REFRESH_POLICY.errorRetryDays),
});

/** Names of every environment variable the configuration reads (`.env.example` documents each). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** The parsed environment (each variable with its default applied). */
type Env = z.output<typeof envSchema>;

/** Numeric variables that bound one another. */
type BoundVariable =
  "HTTP_BACKOFF_BASE_MS" | "HTTP_BACKOFF_MAX_MS" | "REFRESH_NOT_FOUND_BASE_DAYS" | "REFRESH_NOT_FOUND_MAX_DAYS" | "METRICS_PORT" | "EMBEDDED_PG_PORT";

/**
 * Bounds between variables, over the variables that are valid on their own, so that a cross-variable problem is
 * reported together with every other problem, not after they are fixed.
 */
function crossVariableProblems(env: Record<string, string | undefined>): string[] {
  const value = (name: BoundVariable): number | null => {
    const result = envSchema.shape[name].safeParse(env[name]);
    return result.success ? result.data : null;
  };
  const exceeds = (a: BoundVariable, b: BoundVariable) => {
    const [x, y] = [value(a), value(b)];
    return x !== null && y !== null && x > y ? ([x, y] as const) : null;
  };
  const problems: string[] = [];
  const backoff = exceeds("HTTP_BACKOFF_BASE_MS", "HTTP_BACKOFF_MAX_MS");
  if (backoff) problems.push(`HTTP_BACKOFF_BASE_MS: the first backoff (${backoff[0]} ms) is above its cap HTTP_BACKOFF_MAX_MS (${backoff[1]} ms)`);
  const notFound = exceeds("REFRESH_NOT_FOUND_BASE_DAYS", "REFRESH_NOT_FOUND_MAX_DAYS");
  if (notFound) {
    problems.push(
      `REFRESH_NOT_FOUND_BASE_DAYS: the first not-found wait (${notFound[0]} days) is above its cap REFRESH_NOT_FOUND_MAX_DAYS (${notFound[1]} days)`,
    );
  }
  const embedded = envSchema.shape.DATABASE_URL.safeParse(env.DATABASE_URL);
  const port = value("METRICS_PORT");
  if (embedded.success && embedded.data === undefined && port !== null && port === value("EMBEDDED_PG_PORT")) {
    problems.push(`METRICS_PORT: is the same port as EMBEDDED_PG_PORT (${port})`);
  }
  return problems;
}

/** Variables whose values are secrets: scrubbed from every log line, error and stored text (src/secrets.ts). */
export const SECRET_VARIABLES = [
  "TMDB_API_KEY",
  "TMDB_ACCESS_TOKEN",
  "OMDB_API_KEY",
  "READER_ROLE_PASSWORD",
] as const satisfies readonly (keyof Env)[];

/** The password in a postgres:// URL, or undefined. */
function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined; // an unparsable URL was already rejected by the schema
  }
}

/**
 * The environment mapped to the configuration's shape. {@link Config} is this schema's output type, so the
 * shape is written once, here. Durations are converted to milliseconds where the name says `Ms`.
 */
const configSchema = envSchema.transform((e: Env) => ({
  tmdb: {
    apiUrl: e.TMDB_API_URL,
    /** v3 key (query parameter): exactly one of apiKey / accessToken is set when credentials exist (the v4 token wins). */
    apiKey: e.TMDB_ACCESS_TOKEN ? undefined : e.TMDB_API_KEY,
    accessToken: e.TMDB_ACCESS_TOKEN,
    requestsPerSecond: e.TMDB_REQUESTS_PER_SECOND,
    maxConcurrent: e.TMDB_MAX_CONCURRENT,
    /** ISO 3166-1 alpha-2 regions whose streaming availability is loaded (`TMDB_WATCH_REGIONS`). */
    watchRegions: e.TMDB_WATCH_REGIONS,
  },
  omdb: {
    apiUrl: e.OMDB_API_URL,
    apiKey: e.OMDB_API_KEY,
    dailyBudget: e.OMDB_DAILY_BUDGET,
    requestsPerSecond: e.OMDB_REQUESTS_PER_SECOND,
    maxConcurrent: e.OMDB_MAX_CONCURRENT,
  },
  http: {
    timeoutMs: e.HTTP_TIMEOUT_SECONDS * 1000,
    maxRetries: e.HTTP_MAX_RETRIES,
    backoffBaseMs: e.HTTP_BACKOFF_BASE_MS,
    backoffMaxMs: e.HTTP_BACKOFF_MAX_MS,
    rateLimitDeadlineMs: e.HTTP_RATE_LIMIT_DEADLINE_SECONDS * 1000,
    /** Deadline and answer cap of each upstream client (`HTTP_DEADLINE_SECONDS_*`, `HTTP_MAX_BODY_BYTES_*`). */
    limits: upstreamLimits(e),
  },
  /** After a stop signal, how long in-flight database writes may take before the process exits anyway, ms. */
  shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_SECONDS * 1000,
  /** No progress for this long makes a harvest stalled (src/ops/watchdog.ts), ms. */
  stallAfterMs: e.HARVEST_STALL_SECONDS * 1000,
  scrape: {
    rottenTomatoesUrl: e.ROTTEN_TOMATOES_URL,
    metacriticUrl: e.METACRITIC_URL,
    wikidataApiUrl: e.WIKIDATA_API_URL,
    requestsPerSecond: e.SCRAPE_REQUESTS_PER_SECOND,
    /** Season pages per series and site (season 1 and the latest aired; 0 = none). */
    seasonPagesPerSeries: e.SCRAPE_SEASON_PAGES_PER_SERIES,
    userAgent: e.SCRAPER_USER_AGENT,
    chromiumExecutablePath: e.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH,
  },
  databaseUrl: e.DATABASE_URL,
  embeddedPostgres: { dataDir: e.EMBEDDED_PG_DIR, port: e.EMBEDDED_PG_PORT },
  pushgatewayUrl: e.PUSHGATEWAY_URL,
  harvestSchedule: e.HARVEST_SCHEDULE,
  /** `serve`'s enrichment top-ups (cron, UTC), skipped on the days of HARVEST_SCHEDULE. */
  topUpSchedule: e.TOPUP_SCHEDULE,
  /** Retries of a failed scheduled harvest within its slot (`serve`): retries after the first attempt, first wait in ms. */
  harvestRetry: { attempts: e.HARVEST_RETRY_ATTEMPTS, backoffMs: e.HARVEST_RETRY_BACKOFF_MS },
  metricsPort: e.METRICS_PORT,
  reader: { roleName: e.READER_ROLE_NAME, password: e.READER_ROLE_PASSWORD },
  logLevel: e.LOG_LEVEL,
  /** When each source's value of a series is due again (src/refresh/policy.ts). */
  refresh: {
    ageDays: {
      tmdb: e.REFRESH_AGES_TMDB,
      omdb: e.REFRESH_AGES_OMDB,
      rottentomatoes: e.REFRESH_AGES_ROTTEN_TOMATOES,
      metacritic: e.REFRESH_AGES_METACRITIC,
    },
    jitter: e.REFRESH_JITTER,
    notFoundBaseDays: e.REFRESH_NOT_FOUND_BASE_DAYS,
    notFoundMaxDays: e.REFRESH_NOT_FOUND_MAX_DAYS,
    errorRetryDays: e.REFRESH_ERROR_RETRY_DAYS,
  } satisfies RefreshPolicy,
  /** Thresholds of the post-load expectations (src/quality/expectations.ts); pass as `thresholds`. */
  quality: {
    nullRatio: e.QUALITY_NULL_THRESHOLDS,
    volumeTolerance: e.QUALITY_VOLUME_TOLERANCE,
    freshnessMaxAgeDays: e.QUALITY_FRESHNESS_MAX_DAYS,
  },
  /** Every secret value: those of {@link SECRET_VARIABLES} and the password in DATABASE_URL (see {@link configSecrets}). */
  secrets: [...SECRET_VARIABLES.map((name) => e[name]), urlPassword(e.DATABASE_URL)].filter((v): v is string => Boolean(v)),
}));

/** Validated configuration: the output of the schema above (one definition of its shape). */
export type Config = z.output<typeof configSchema>;

/** Prefixes of our variables: an unknown variable with one of them is most likely a misspelt one of ours. */
const OUR_PREFIXES = [
  "TMDB_",
  "OMDB_",
  "HTTP_",
  "SCRAPE_",
  "SCRAPER_",
  "HARVEST_",
  "METRICS_",
  "READER_",
  "EMBEDDED_PG_",
  "QUALITY_",
  "LOG_",
  "PUSHGATEWAY_",
  "ROTTEN_TOMATOES_",
  "METACRITIC_",
  "WIKIDATA_",
  "SHUTDOWN_",
];

/** Other programs' variables that share a prefix or a spelling with ours (proxies are read by many clients). */
const FOREIGN_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"];

/**
 * Environment variables that look like ours but are not (`TMDB_APIKEY`, `LOG_LEVL`): one line each, with the
 * known name it is closest to. Unrelated variables (PATH, HOME, …) are not reported.
 * @returns e.g. `TMDB_APIKEY is not a tv-harvester variable; did you mean TMDB_API_KEY?`
 */
export function likelyTypos(env: Record<string, string | undefined>): string[] {
  const known = new Set([...ENV_VARIABLES, ...FOREIGN_VARIABLES]);
  const out: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || env[name] === undefined) continue;
    const nearest = closest(name, [...ENV_VARIABLES]);
    const close = distance(name, nearest) <= Math.max(2, Math.floor(nearest.length / 5));
    if (close || OUR_PREFIXES.some((p) => name.startsWith(p))) {
      out.push(`${name} is not a tv-harvester variable${close ? `; did you mean ${nearest}?` : " (see .env.example for the known ones)"}`);
    }
  }
  return out;
}

/** What a command needs of the configuration beyond its validity. */
export interface LoadConfigOptions {
  /** The command that calls TMDB (`harvest`, `serve`): its credentials are required, reported with the other problems. */
  tmdbFor?: string;
}

/**
 * Parses and validates the environment.
 * @throws {ConfigError} listing every problem at once, cross-variable ones included (never echoing a secret's value).
 */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Config {
  const result = configSchema.safeParse(env);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "(environment)"}: ${issue.message}`);
  problems.push(...crossVariableProblems(env));
  if (options.tmdbFor !== undefined && result.success && !hasTmdbCredentials(result.data)) problems.push(missingTmdbCredentials(options.tmdbFor));
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

/** Each upstream client's deadline (its kind's, else HTTP_TIMEOUT_SECONDS) and answer cap. */
function upstreamLimits(e: z.output<typeof envSchema>): Record<UpstreamName, UpstreamLimits> {
  const byKind: Record<UpstreamKind, UpstreamLimits> = {
    tmdb: { deadlineMs: (e.HTTP_DEADLINE_SECONDS_TMDB ?? e.HTTP_TIMEOUT_SECONDS) * 1000, maxBodyBytes: e.HTTP_MAX_BODY_BYTES_TMDB },
    omdb: { deadlineMs: (e.HTTP_DEADLINE_SECONDS_OMDB ?? e.HTTP_TIMEOUT_SECONDS) * 1000, maxBodyBytes: e.HTTP_MAX_BODY_BYTES_OMDB },
    wikidata: { deadlineMs: (e.HTTP_DEADLINE_SECONDS_WIKIDATA ?? e.HTTP_TIMEOUT_SECONDS) * 1000, maxBodyBytes: e.HTTP_MAX_BODY_BYTES_WIKIDATA },
    pages: { deadlineMs: (e.HTTP_DEADLINE_SECONDS_PAGES ?? e.HTTP_TIMEOUT_SECONDS) * 1000, maxBodyBytes: e.HTTP_MAX_BODY_BYTES_PAGES },
  };
  return {
    tmdb: byKind[UPSTREAM_KIND.tmdb],
    omdb: byKind[UPSTREAM_KIND.omdb],
    wikidata: byKind[UPSTREAM_KIND.wikidata],
    rottentomatoes: byKind[UPSTREAM_KIND.rottentomatoes],
    metacritic: byKind[UPSTREAM_KIND.metacritic],
  };
}

/** True when TMDB credentials are configured (otherwise `npm start` runs the demo). */
export function hasTmdbCredentials(config: Config): boolean {
  return Boolean(config.tmdb.apiKey ?? config.tmdb.accessToken);
}

/** Every secret value in the configuration, for {@link SecretScrubber}: the configuration says which values are secrets. */
export function configSecrets(config: Pick<Config, "secrets">): string[] {
  return [...config.secrets];
}

/**
 * The problem line of a command that calls TMDB (`harvest`, `serve`) without its credentials: every request would
 * be refused, after a run row was written. The demo path of `start` does not ask for them.
 */
function missingTmdbCredentials(command: string): string {
  return `TMDB_API_KEY / TMDB_ACCESS_TOKEN: \`${command}\` needs one of them (a TMDB v3 API key or a v4 read access token, https://www.themoviedb.org/settings/api); \`npm start\` without them runs the demo`;
}
