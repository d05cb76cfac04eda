/**
 * Post-load expectations (in the manner of Great Expectations): a fixed suite of checks run on the star
 * schema after every load, results stored per harvest run in `quality_check_result` and returned for the
 * harvest summary and `tv-harvester check`.
 *
 * "The run's series" are the series rows whose `last_seen_run_id` is the run, together with every series
 * that has a rating fact in the run (so an older run can still be checked after later runs moved
 * `last_seen_run_id` on).
 *
 * | check | severity | observed | passes when |
 * |---|---|---|---|
 * | `not_null.title`, `not_null.first_air_date`, `not_null.original_language`, `not_null.imdb_id` | error | share (0–1) of the run's series with a null (or empty) value | ≤ threshold per column (`QUALITY_NULL_THRESHOLDS`) |
 * | `not_null.imdb_rating` | warning | share of the run's series without a known IMDb rating: no `imdb` fact in the run nor in an earlier succeeded run (the latest known value counts, so a run that refreshes a third of the catalogue is not two-thirds null) | ≤ threshold (default 0.1: the design's alert) |
 * | `range.rating_fact.score` | error | facts of the run outside their source's scale | 0 |
 * | `range.rating_fact.vote_count` | error | facts of the run with a negative count | 0 |
 * | `range.series_dim` | error | the run's series with a first-air year outside 1900…next year, release year ≠ first-air year, last-air date before the first, or negative season/episode counts | 0 |
 * | `accepted_values.series_dim.imdb_id` | error | the run's series whose IMDb id is not `tt` + 7 digits or more | 0 |
 * | `accepted_values.rating_fact.source_key` | error | facts of the run with an unknown source or grain | 0 |
 * | `unique.series_dim.imdb_id` | warning | IMDb ids shared by several of the run's series (a wrong match somewhere) | 0 |
 * | `volume.series_count` | error | relative change of the run's series count against the last successful run with the same `maxPages` option (top-up runs, which list no series, are neither checked nor compared with) | within ± tolerance (default 0.2); passes without such a run |
 * | `freshness.last_success` | warning | age in days of the newest successful run (the checked run counts while it is running or succeeded) | < max age (default 8 days) |
 *
 * Not checked, because the schema guarantees them (they cannot fail): the uniqueness of TMDB ids
 * (`series_dim` primary key) and of facts per series × source × run (unique index), and referential
 * integrity of the bridges and facts (foreign keys).
 *
 * Severity: what would put wrong data in front of analysts is an error (ranges, accepted values,
 * uniqueness, referential integrity, a missing TMDB column — all come from one TMDB response and jump only
 * when mapping breaks — and a volume jump, which means a partial or duplicated load). The IMDb-rating null
 * ratio is a warning: it depends on OMDb's daily budget (1,000 requests a day for about 2,000 series) and
 * on a key being configured, so a high ratio says "enrichment incomplete", not "data wrong" — its alert
 * comes from `tv_harvester_null_ratio{column="imdb_rating"}`. Freshness is a warning: old data is still
 * correct data. An error failure makes the pipeline mark the run `failed_quality`, so its facts stay out of
 * the analytics views.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import { RATING_SCALES, RATING_SOURCES } from "../domain.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import { NULL_RATIO_COLUMNS, type NullRatioColumn } from "./columns.js";
import { replaceQualityResults } from "../load/quality-results.js";
import { MIN_FIRST_AIR_YEAR } from "./rules.js";

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

/** Defaults: title never null; dates and languages ≤ 5 %; IMDb ids ≤ 20 %; IMDb ratings ≤ 10 % (the design's alert); volume ± 20 %; freshness 8 days. */
export const DEFAULT_EXPECTATION_THRESHOLDS: ExpectationThresholds = {
  nullRatio: { title: 0, first_air_date: 0.05, original_language: 0.05, imdb_id: 0.2, imdb_rating: 0.1 },
  volumeTolerance: 0.2,
  freshnessMaxAgeDays: 8,
};

const NULL_RATIO_SEVERITY: Record<NullRatioColumn, ExpectationSeverity> = {
  title: "error",
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
  /** Clock for freshness and the "next year" bound. */
  now: () => Date;
  thresholds?: ExpectationThresholdOverrides;
  /** Store the results in quality_check_result, replacing the run's earlier ones (default true; `check` is read-only unless asked). */
  store?: boolean;
}

/** The run's series: last seen in the run, or with a fact in it. `$1` is the run id. */
const RUN_SERIES = `run_series AS (
  SELECT series_id FROM series_dim WHERE last_seen_run_id = $1
  UNION
  SELECT series_id FROM rating_fact WHERE run_id = $1
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

const scaleValues = Object.entries(RATING_SCALES)
  .map(([key, s]) => `('${sqlIdentifierLiteral(key)}', ${Number(s.min)}::numeric, ${Number(s.max)}::numeric)`)
  .join(", ");
const sourceList = RATING_SOURCES.map((s) => `'${sqlIdentifierLiteral(s)}'`).join(", ");
const maxYear = (ctx: ExpectationContext) => ctx.now.getUTCFullYear() + 1;

/**
 * The suite, in the order of the module table. Checks the schema itself guarantees are not here: the
 * primary key of `series_dim`, the unique index on facts (series × source × run) and the foreign keys of
 * the bridges and facts (to series, genre, network, run, rating source) cannot be violated.
 */
const EXPECTATIONS: readonly Expectation[] = [
  { kind: "custom", evaluate: nullRatios },
  {
    kind: "violations",
    check: "range.rating_fact.score",
    severity: "error",
    what: () => "facts outside their source's scale",
    sql: `SELECT count(*)::int AS n,
            string_agg(f.series_id || '/' || f.source_key || '=' || f.score, ', ' ORDER BY f.series_id) AS examples
          FROM rating_fact f JOIN (VALUES ${scaleValues}) AS scale(source_key, lo, hi) USING (source_key)
          WHERE f.run_id = $1 AND (f.score < scale.lo OR f.score > scale.hi)`,
  },
  {
    kind: "violations",
    check: "range.rating_fact.vote_count",
    severity: "error",
    what: () => "facts with a negative count",
    sql: `SELECT count(*)::int AS n, string_agg(f.series_id || '/' || f.source_key || '=' || f.vote_count, ', ') AS examples
          FROM rating_fact f WHERE f.run_id = $1 AND f.vote_count < 0`,
  },
  {
    kind: "violations",
    check: "range.series_dim",
    severity: "error",
    what: (ctx) => `series with a first-air year outside ${MIN_FIRST_AIR_YEAR}–${maxYear(ctx)}, inconsistent dates or negative counts`,
    sql: `WITH ${RUN_SERIES}
          SELECT count(*)::int AS n, string_agg(s.series_id::text, ', ' ORDER BY s.series_id) AS examples
          FROM run_series r JOIN series_dim s USING (series_id)
          WHERE extract(year FROM s.first_air_date) NOT BETWEEN $2 AND $3
             OR s.release_year NOT BETWEEN $2 AND $3
             OR s.release_year IS DISTINCT FROM extract(year FROM s.first_air_date)::int
             OR s.last_air_date < s.first_air_date
             OR s.number_of_seasons < 0 OR s.number_of_episodes < 0`,
    params: (ctx) => [ctx.runId, MIN_FIRST_AIR_YEAR, maxYear(ctx)],
  },
  {
    kind: "violations",
    check: "accepted_values.series_dim.imdb_id",
    severity: "error",
    what: () => "series with a malformed IMDb id",
    sql: `WITH ${RUN_SERIES}
          SELECT count(*)::int AS n, string_agg(s.series_id || '=' || s.imdb_id, ', ' ORDER BY s.series_id) AS examples
          FROM run_series r JOIN series_dim s USING (series_id)
          WHERE s.imdb_id IS NOT NULL AND s.imdb_id !~ '^tt[0-9]{7,}$'`,
  },
  {
    // The foreign key only says the source is in rating_source_dim, and nothing constrains the grain.
    kind: "violations",
    check: "accepted_values.rating_fact.source_key",
    severity: "error",
    what: () => "facts with an unknown rating source or grain",
    sql: `SELECT count(*)::int AS n, string_agg(DISTINCT f.source_key || '/' || f.grain, ', ') AS examples
          FROM rating_fact f
          WHERE f.run_id = $1 AND (f.source_key NOT IN (${sourceList}) OR f.grain NOT IN ('series', 'season'))`,
  },
  {
    kind: "violations",
    check: "unique.series_dim.imdb_id",
    severity: "warning",
    what: () => "IMDb ids shared by several series",
    sql: `WITH ${RUN_SERIES}
          SELECT count(*)::int AS n, string_agg(imdb_id || ' (' || ids || ')', ', ') AS examples
          FROM (
            SELECT s.imdb_id, string_agg(s.series_id::text, '/' ORDER BY s.series_id) AS ids
            FROM run_series r JOIN series_dim s USING (series_id)
            WHERE s.imdb_id IS NOT NULL AND s.imdb_id <> ''
            GROUP BY s.imdb_id HAVING count(*) > 1
          ) d`,
  },
  { kind: "custom", evaluate: async (ctx) => [await volumeCheck(ctx.prisma, ctx.runId, ctx.seriesCount, ctx.thresholds.volumeTolerance)] },
  { kind: "custom", evaluate: async (ctx) => [await freshnessCheck(ctx.prisma, ctx.runId, ctx.now, ctx.thresholds.freshnessMaxAgeDays)] },
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

/** Null ratios of the key columns of the run's series, and the rating coverage per source (metric only). */
async function nullRatios(ctx: ExpectationContext): Promise<ExpectationResult[]> {
  const { prisma, runId, thresholds } = ctx;
  const nulls = z
    .object({
      total: z.number().int(),
      title: z.number().int(),
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
           count(*) FILTER (WHERE s.title IS NULL OR btrim(s.title) = '')::int AS title,
           count(*) FILTER (WHERE s.first_air_date IS NULL)::int AS first_air_date,
           count(*) FILTER (WHERE s.original_language IS NULL OR btrim(s.original_language) = '')::int AS original_language,
           count(*) FILTER (WHERE s.imdb_id IS NULL OR btrim(s.imdb_id) = '')::int AS imdb_id,
           count(*) FILTER (WHERE NOT EXISTS (
             SELECT 1 FROM rating_fact f JOIN harvest_run fr ON fr.run_id = f.run_id
             WHERE f.series_id = s.series_id AND f.source_key = 'imdb'
               AND (f.run_id = $1 OR (fr.status = 'succeeded' AND f.run_id < $1))
           ))::int AS imdb_rating
         FROM run_series r JOIN series_dim s USING (series_id)`,
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

async function freshnessCheck(prisma: PrismaClient, runId: number, now: Date, maxAgeDays: number): Promise<ExpectationResult> {
  const row = z.object({ newest: z.date().nullable(), newest_run: z.number().int().nullable() }).parse(
    await one(
      prisma,
      `SELECT max(t) AS newest, (array_agg(run_id ORDER BY t DESC))[1] AS newest_run FROM (
           SELECT run_id, finished_at AS t FROM harvest_run WHERE status = 'succeeded' AND finished_at IS NOT NULL
           UNION ALL
           SELECT run_id, COALESCE(finished_at, $2::timestamptz) FROM harvest_run
           WHERE run_id = $1 AND status IN ('running', 'succeeded')
         ) s`,
      runId,
      now.toISOString(),
    ),
  );
  const threshold = `< ${maxAgeDays} days`;
  if (row.newest === null) {
    return {
      check: "freshness.last_success",
      severity: "warning",
      observed: null,
      threshold,
      passed: false,
      details: "no successful harvest run yet",
    };
  }
  const ageDays = Math.max(0, (now.getTime() - row.newest.getTime()) / 86_400_000);
  return {
    check: "freshness.last_success",
    severity: "warning",
    observed: round(ageDays),
    threshold,
    passed: ageDays < maxAgeDays,
    details: `newest successful data: run ${row.newest_run ?? "?"}, finished ${row.newest.toISOString()}`,
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

/** Our own source keys are inlined into SQL; they must stay plain identifiers. */
function sqlIdentifierLiteral(key: string): string {
  if (!/^[a-z_]+$/.test(key)) throw new Error(`not a plain identifier: ${key}`);
  return key;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
