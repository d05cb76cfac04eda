/**
 * Post-load expectations (in the manner of Great Expectations): a fixed suite of checks run after every load on
 * what analysts will see once the run is published, results stored per harvest run in `quality_check_result` and
 * returned for the harvest summary and `tv-harvester check`.
 *
 * "The run's series" are the series versions the run wrote (`series_version` rows of the run, carried-forward
 * ones included, with their genre, network and platform versions): exactly what every view shows of those series
 * once the run succeeds (`published_series_version`). `series_dim` (current identity and first/last seen) is not
 * checked: no analyst reads it. "Before" is the version the latest earlier succeeded run published.
 *
 * | check | severity | observed | passes when |
 * |---|---|---|---|
 * | `not_null.first_air_date`, `not_null.original_language`, `not_null.imdb_id` | error | share (0–1) of the run's series versions with a null (or empty) value | ≤ threshold per column (`QUALITY_NULL_THRESHOLDS`) |
 * | `not_null.imdb_rating` | warning | share of the run's series without a known IMDb rating: no `imdb` fact in the run nor in an earlier succeeded run (the latest known value counts, so a run that refreshes a third of the catalogue is not two-thirds null) | ≤ threshold (default 0.1: the design's alert) |
 * | `unique.series_version.imdb_id` | warning | IMDb ids shared by several of the run's series (a wrong match somewhere) | 0 |
 * | `kept.known_values` | warning | the run's series that lose a value analysts saw before: a plot, a first-air date, a poster, every genre, every network or every platform known in the version published before and none in the run's | 0 |
 * | `volume.series_count` | error | relative change of the run's series count against the last successful run with the same `maxPages` option (top-up runs, which list no series, are neither checked nor compared with) | within ± tolerance (default 0.2); passes without such a run |
 * | `freshness.last_success` | warning | age in days, when the run started, of the newest earlier successful weekly harvest (not a top-up): how old the data analysts saw had become, e.g. after missed or failed runs | < max age (default 8 days); passes on the first run |
 *
 * Not checked, because they cannot fail on what the pipeline writes: what the schema guarantees (the title's NOT
 * NULL, TMDB ids unique, facts unique per series × source × run, foreign keys to series, genres, networks, runs
 * and rating sources) and what the boundary rules reject before a row is written (src/quality/rules.ts: empty
 * titles, scores outside their source's scale, negative counts, malformed IMDb ids, first-air years outside
 * 1900…next year and inconsistent dates; unknown rating sources cannot pass `RATING_SOURCES`).
 *
 * Severity: what would put wrong data in front of analysts is an error (a missing TMDB column — they all come from
 * one TMDB response and jump only when mapping breaks — and a volume jump, which means a partial or duplicated
 * load). The IMDb-rating null ratio is a warning: it depends on OMDb's daily budget (1,000 requests a day for about
 * 2,000 series) and on a key being configured, so a high ratio says "enrichment incomplete", not "data wrong" — its
 * alert comes from `tv_harvester_null_ratio{column="imdb_rating"}`. A lost value is a warning: the upstream may
 * really have dropped it. Freshness is a warning: old data is still correct data. An error failure makes the
 * pipeline mark the run `failed_quality`, so its facts and versions stay out of the analytics views.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { RATING_SOURCES } from "../domain.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import { NULL_RATIO_COLUMNS, type NullRatioColumn } from "./columns.js";
import { replaceQualityResults } from "../load/quality-results.js";

/** `error` failures mark the run failed-quality; `warning` failures only report. */
export type ExpectationSeverity = "error" | "warning";

/** The outcome of one expectation for one run (a `quality_check_result` row). */
export interface ExpectationResult {
  /** Stable check name, e.g. `not_null.imdb_rating`; also the metric label `check`. */
  check: string;
  severity: ExpectationSeverity;
  /** The measured value (a ratio, a count, a relative change or days, see the module table); null when there was nothing to measure. */
  observed: number | null;
  /** What passes, readable: `<= 0.1`, `= 0`, `|change| <= 0.2`, `< 8 days`. */
  threshold: string;
  passed: boolean;
  /** One line for people: counts, examples of offending ids, the run compared with. */
  details: string;
}

/** Tunable limits of the suite. */
export interface ExpectationThresholds {
  /** Largest accepted null ratio (0–1) per column. */
  nullRatio: Record<NullRatioColumn, number>;
  /** Largest accepted relative change of the series count against the last comparable successful run (0.2 = ±20 %). */
  volumeTolerance: number;
  /** Age (days) from which the newest successful run is stale. */
  freshnessMaxAgeDays: number;
}

/** Thresholds as the caller may give them: any subset, null ratios per column. */
export type ExpectationThresholdOverrides = Partial<Omit<ExpectationThresholds, "nullRatio">> & {
  nullRatio?: Partial<Record<NullRatioColumn, number>>;
};

/** Defaults: dates and languages ≤ 5 %; IMDb ids ≤ 20 %; IMDb ratings ≤ 10 % (the design's alert); volume ± 20 %; freshness 8 days. */
export const DEFAULT_EXPECTATION_THRESHOLDS: ExpectationThresholds = {
  nullRatio: { first_air_date: 0.05, original_language: 0.05, imdb_id: 0.2, imdb_rating: 0.1 },
  volumeTolerance: 0.2,
  freshnessMaxAgeDays: 8,
};

const NULL_RATIO_SEVERITY: Record<NullRatioColumn, ExpectationSeverity> = {
  first_air_date: "error",
  original_language: "error",
  imdb_id: "error",
  imdb_rating: "warning",
};

/** Dependencies of {@link runExpectations}. */
export interface ExpectationDeps {
  prisma: PrismaClient;
  /** When given, the quality gauges and counters are set (see the module comment). */
  metrics?: HarvesterMetrics;
  /** Clock: the time the results are stored with. */
  now: () => Date;
  thresholds?: ExpectationThresholdOverrides;
  /** Store the results in quality_check_result, replacing the run's earlier ones (default true; `check` is read-only unless asked). */
  store?: boolean;
}

/** The run's series: the series versions it wrote, which the views show once it is published. `$1` is the run id. */
const RUN_SERIES = `run_series AS (SELECT * FROM series_version WHERE run_id = $1)`;

/** Per series, the version published before the run: that of the latest earlier succeeded run. `$1` is the run id. */
const BEFORE = `before AS (
  SELECT DISTINCT ON (v.series_id) v.*
  FROM series_version v JOIN harvest_run r ON r.run_id = v.run_id AND r.status = 'succeeded'
  WHERE v.run_id < $1
  ORDER BY v.series_id, r.finished_at DESC NULLS LAST, v.run_id DESC
)`;

const countRow = z.object({ n: z.number().int(), examples: z.string().nullable().optional() });

/** What an expectation is evaluated against: the run, its series count, the clock and the thresholds. */
interface ExpectationContext {
  prisma: PrismaClient;
  runId: number;
  now: Date;
  thresholds: ExpectationThresholds;
  metrics: HarvesterMetrics | undefined;
  /** Series of the run (the denominator of the null ratios and the volume check). */
  seriesCount: number;
}

/**
 * An expectation: either a count of violating rows (`sql` selects `n` and optional `examples`; it passes
 * at 0), or an evaluation of its own (null ratios, volume, freshness).
 */
type Expectation =
  | {
      kind: "violations";
      check: string;
      severity: ExpectationSeverity;
      /** What a violating row is, for the details ("facts with a negative count"). */
      what: (ctx: ExpectationContext) => string;
      sql: string;
      /** Parameters `$1…`; default the run id. */
      params?: (ctx: ExpectationContext) => unknown[];
    }
  | { kind: "custom"; evaluate: (ctx: ExpectationContext) => Promise<ExpectationResult[]> };

/**
 * The suite, in the order of the module table. Checks that cannot fail on what the pipeline writes are not here
 * (see the module comment).
 */
const EXPECTATIONS: readonly Expectation[] = [
  { kind: "custom", evaluate: nullRatios },
  {
    kind: "violations",
    check: "unique.series_version.imdb_id",
    severity: "warning",
    what: () => "IMDb ids shared by several series",
    sql: `WITH ${RUN_SERIES}
          SELECT count(*)::int AS n, string_agg(imdb_id || ' (' || ids || ')', ', ') AS examples
          FROM (
            SELECT s.imdb_id, string_agg(s.series_id::text, '/' ORDER BY s.series_id) AS ids
            FROM run_series s
            WHERE s.imdb_id IS NOT NULL AND s.imdb_id <> ''
            GROUP BY s.imdb_id HAVING count(*) > 1
          ) d`,
  },
  {
    kind: "violations",
    check: "kept.known_values",
    severity: "warning",
    what: () => "series losing a value they had before (a value once known is not replaced by nothing)",
    sql: `WITH ${RUN_SERIES}, ${BEFORE},
          lost AS (
            SELECT s.series_id, array_remove(ARRAY[
              CASE WHEN b.plot IS NOT NULL AND s.plot IS NULL THEN 'plot' END,
              CASE WHEN b.first_air_date IS NOT NULL AND s.first_air_date IS NULL THEN 'first_air_date' END,
              CASE WHEN b.poster_path IS NOT NULL AND s.poster_path IS NULL THEN 'poster' END,
              CASE WHEN EXISTS (SELECT 1 FROM series_genre_version g WHERE g.series_id = b.series_id AND g.run_id = b.run_id)
                    AND NOT EXISTS (SELECT 1 FROM series_genre_version g WHERE g.series_id = s.series_id AND g.run_id = s.run_id) THEN 'genres' END,
              CASE WHEN EXISTS (SELECT 1 FROM series_network_version n WHERE n.series_id = b.series_id AND n.run_id = b.run_id)
                    AND NOT EXISTS (SELECT 1 FROM series_network_version n WHERE n.series_id = s.series_id AND n.run_id = s.run_id) THEN 'networks' END,
              CASE WHEN EXISTS (SELECT 1 FROM series_platform_version p WHERE p.series_id = b.series_id AND p.run_id = b.run_id)
                    AND NOT EXISTS (SELECT 1 FROM series_platform_version p WHERE p.series_id = s.series_id AND p.run_id = s.run_id) THEN 'platforms' END
            ], NULL) AS values
            FROM run_series s JOIN before b USING (series_id)
          )
          SELECT count(*)::int AS n, string_agg(series_id || ' (' || array_to_string(values, ', ') || ')', '; ' ORDER BY series_id) AS examples
          FROM lost WHERE cardinality(values) > 0`,
  },
  { kind: "custom", evaluate: async (ctx) => [await volumeCheck(ctx.prisma, ctx.runId, ctx.seriesCount, ctx.thresholds.volumeTolerance)] },
  { kind: "custom", evaluate: async (ctx) => [await freshnessCheck(ctx.prisma, ctx.runId, ctx.thresholds.freshnessMaxAgeDays)] },
];

/** Evaluates one expectation. */
async function evaluate(expectation: Expectation, ctx: ExpectationContext): Promise<ExpectationResult[]> {
  if (expectation.kind === "custom") return expectation.evaluate(ctx);
  const params = expectation.params?.(ctx) ?? [ctx.runId];
  return [violations(expectation.check, expectation.severity, await countOf(ctx.prisma, expectation.sql, ...params), expectation.what(ctx))];
}

/**
 * Runs the whole suite for harvest run `runId`, replaces that run's rows in `quality_check_result` with
 * the results (one transaction; re-running `check` overwrites), sets the quality metrics when `metrics`
 * is given, and returns the results in the order of the module table.
 * @throws {Error} when the run does not exist; database errors propagate.
 */
export async function runExpectations(deps: ExpectationDeps, runId: number): Promise<ExpectationResult[]> {
  const { prisma } = deps;
  const run = await prisma.harvestRun.findUnique({ where: { id: runId }, select: { id: true, status: true } });
  if (!run) throw new Error(`harvest run ${runId} not found`);
  const now = deps.now();
  const seriesCount = (await countOf(prisma, `WITH ${RUN_SERIES} SELECT count(*)::int AS n FROM run_series`, runId)).n;
  const ctx: ExpectationContext = { prisma, runId, now, thresholds: mergeThresholds(deps.thresholds), metrics: deps.metrics, seriesCount };
  const results: ExpectationResult[] = [];
  for (const expectation of EXPECTATIONS) results.push(...(await evaluate(expectation, ctx)));

  if (deps.store !== false) await replaceQualityResults(prisma, runId, results, now);
  if (deps.metrics) {
    for (const r of results) {
      deps.metrics.qualityCheckPassed.set({ check: r.check, severity: r.severity }, r.passed ? 1 : 0);
      deps.metrics.qualityChecks.inc({ check: r.check, result: r.passed ? "passed" : "failed" });
    }
  }
  return results;
}

/** Null ratios of the key columns of the run's series versions, and the rating coverage per source (metric only). */
async function nullRatios(ctx: ExpectationContext): Promise<ExpectationResult[]> {
  const { prisma, runId, thresholds } = ctx;
  const nulls = z
    .object({
      total: z.number().int(),
      first_air_date: z.number().int(),
      original_language: z.number().int(),
      imdb_id: z.number().int(),
      imdb_rating: z.number().int(),
    })
    .parse(
      await one(
        prisma,
        `WITH ${RUN_SERIES}
         SELECT count(*)::int AS total,
           count(*) FILTER (WHERE s.first_air_date IS NULL)::int AS first_air_date,
           count(*) FILTER (WHERE s.original_language IS NULL OR btrim(s.original_language) = '')::int AS original_language,
           count(*) FILTER (WHERE s.imdb_id IS NULL OR btrim(s.imdb_id) = '')::int AS imdb_id,
           count(*) FILTER (WHERE NOT EXISTS (
             SELECT 1 FROM rating_fact f JOIN harvest_run fr ON fr.run_id = f.run_id
             WHERE f.series_id = s.series_id AND f.source_key = 'imdb'
               AND (f.run_id = $1 OR (fr.status = 'succeeded' AND f.run_id < $1))
           ))::int AS imdb_rating
         FROM run_series s`,
        runId,
      ),
    );
  const results: ExpectationResult[] = [];
  for (const column of NULL_RATIO_COLUMNS) {
    const limit = thresholds.nullRatio[column];
    const ratio = nulls.total === 0 ? null : nulls[column] / nulls.total;
    if (ratio !== null) ctx.metrics?.nullRatio.set({ column }, ratio);
    results.push({
      check: `not_null.${column}`,
      severity: NULL_RATIO_SEVERITY[column],
      observed: ratio === null ? null : round(ratio),
      threshold: `<= ${limit}`,
      passed: ratio === null || ratio <= limit,
      details: nulls.total === 0 ? "the run has no series" : `${nulls[column]} of ${nulls.total} series null`,
    });
  }
  if (ctx.metrics && nulls.total > 0) {
    const coverage = z
      .array(z.object({ source_key: z.string(), n: z.number().int() }))
      .parse(
        await prisma.$queryRawUnsafe(
          `SELECT source_key, count(DISTINCT series_id)::int AS n FROM rating_fact WHERE run_id = $1 GROUP BY source_key`,
          runId,
        ),
      );
    for (const source of RATING_SOURCES) {
      const n = coverage.find((c) => c.source_key === source)?.n ?? 0;
      ctx.metrics.ratingCoverage.set({ source }, n / nulls.total);
    }
  }
  return results;
}

/** True when an error-severity expectation failed: the run must be marked `failed_quality`. */
export function hasErrorFailure(results: readonly ExpectationResult[]): boolean {
  return results.some((r) => r.severity === "error" && !r.passed);
}

/** Defaults overlaid with the caller's overrides (per null-ratio column). */
export function mergeThresholds(overrides: ExpectationThresholdOverrides | undefined): ExpectationThresholds {
  const d = DEFAULT_EXPECTATION_THRESHOLDS;
  return {
    nullRatio: { ...d.nullRatio, ...overrides?.nullRatio },
    volumeTolerance: overrides?.volumeTolerance ?? d.volumeTolerance,
    freshnessMaxAgeDays: overrides?.freshnessMaxAgeDays ?? d.freshnessMaxAgeDays,
  };
}

async function volumeCheck(prisma: PrismaClient, runId: number, seriesCount: number, tolerance: number): Promise<ExpectationResult> {
  const threshold = `|change| <= ${tolerance}`;
  const current = await prisma.harvestRun.findUnique({ where: { id: runId }, select: { trigger: true } });
  if (current?.trigger === "topup") {
    return {
      check: "volume.series_count",
      severity: "error",
      observed: null,
      threshold,
      passed: true,
      details: `${seriesCount} series; a top-up run lists no series`,
    };
  }
  const previous = z.array(z.object({ run_id: z.number().int() })).parse(
    await prisma.$queryRawUnsafe(
      `SELECT r.run_id FROM harvest_run r JOIN harvest_run cur ON cur.run_id = $1
         WHERE r.status = 'succeeded' AND r.run_id < cur.run_id AND r.trigger <> 'topup'
           AND NULLIF(r.options -> 'maxPages', 'null'::jsonb) IS NOT DISTINCT FROM NULLIF(cur.options -> 'maxPages', 'null'::jsonb)
         ORDER BY r.finished_at DESC NULLS LAST, r.run_id DESC LIMIT 1`,
      runId,
    ),
  )[0];
  if (!previous) {
    return {
      check: "volume.series_count",
      severity: "error",
      observed: null,
      threshold,
      passed: true,
      details: `${seriesCount} series; no earlier successful run with the same maxPages to compare with`,
    };
  }
  const before = await countOf(prisma, `WITH ${RUN_SERIES} SELECT count(*)::int AS n FROM run_series`, previous.run_id);
  if (before.n === 0) {
    return {
      check: "volume.series_count",
      severity: "error",
      observed: null,
      threshold,
      passed: seriesCount > 0,
      details: `${seriesCount} series; run ${previous.run_id} has no series left to compare with`,
    };
  }
  const change = (seriesCount - before.n) / before.n;
  return {
    check: "volume.series_count",
    severity: "error",
    observed: round(change),
    threshold,
    passed: Math.abs(change) <= tolerance + 1e-9,
    details: `${seriesCount} series against ${before.n} in run ${previous.run_id} (${change >= 0 ? "+" : ""}${(change * 100).toFixed(1)} %)`,
  };
}

/**
 * How old the data analysts saw had become when the run started: the age then of the newest earlier succeeded
 * weekly harvest (top-ups refresh ratings only). Measured at the run's start, not at the clock's now, so a run
 * cannot make itself fresh and re-checking an old run gives the same answer.
 */
async function freshnessCheck(prisma: PrismaClient, runId: number, maxAgeDays: number): Promise<ExpectationResult> {
  const row = z.object({ started_at: z.date(), newest: z.date().nullable(), newest_run: z.number().int().nullable() }).parse(
    await one(
      prisma,
      `SELECT cur.started_at, p.finished_at AS newest, p.run_id AS newest_run
       FROM harvest_run cur
       LEFT JOIN LATERAL (
         SELECT r.run_id, r.finished_at FROM harvest_run r
         WHERE r.status = 'succeeded' AND r.trigger <> 'topup' AND r.run_id <> cur.run_id
           AND r.finished_at IS NOT NULL AND r.finished_at <= cur.started_at
         ORDER BY r.finished_at DESC LIMIT 1
       ) p ON true
       WHERE cur.run_id = $1`,
      runId,
    ),
  );
  const threshold = `< ${maxAgeDays} days`;
  if (row.newest === null) {
    return {
      check: "freshness.last_success",
      severity: "warning",
      observed: null,
      threshold,
      passed: true,
      details: "no earlier successful harvest: nothing was published before this run",
    };
  }
  const ageDays = (row.started_at.getTime() - row.newest.getTime()) / 86_400_000;
  return {
    check: "freshness.last_success",
    severity: "warning",
    observed: round(ageDays),
    threshold,
    passed: ageDays < maxAgeDays,
    details: `the run started ${round(ageDays)} days after run ${row.newest_run ?? "?"} finished (${row.newest.toISOString()})`,
  };
}

function violations(
  check: string,
  severity: ExpectationSeverity,
  found: { n: number; examples?: string | null | undefined },
  what: string,
): ExpectationResult {
  const examples = found.examples ? `: ${truncate(found.examples, 300)}` : "";
  return {
    check,
    severity,
    observed: found.n,
    threshold: "= 0",
    passed: found.n === 0,
    details: found.n === 0 ? `no ${what}` : `${found.n} ${what}${examples}`,
  };
}

async function one(prisma: PrismaClient, sql: string, ...params: unknown[]): Promise<unknown> {
  const rows = z.array(z.unknown()).parse(await prisma.$queryRawUnsafe(sql, ...params));
  return rows[0];
}

async function countOf(prisma: PrismaClient, sql: string, ...params: unknown[]): Promise<z.infer<typeof countRow>> {
  return countRow.parse(await one(prisma, sql, ...params));
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
