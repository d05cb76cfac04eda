/**
 * A dump of every table of the database, normalised so that two harvests of the same data compare equal
 * whatever their timing: timestamps become "<time>", generated row ids are dropped (rows are sorted by
 * content instead), ISO instants inside text become "<time>", local servers' ports "<port>", and the parts
 * of `harvest_run` that depend on the attempt are left out: the resume count, and the summary's durations,
 * request counts, re-used answers, rows written per attempt (the facts count per rating source stays),
 * pages fetched by the attempt, the day's OMDb budget left, and the age in seconds of the oldest value per
 * source (it depends on when the run ended).
 */
import type { TestDatabase } from "./db.js";

/** Tables left out: the migration ledger is Prisma's, not the harvester's. */
const SKIPPED_TABLES = new Set(["_prisma_migrations"]);

/** Summary fields that tell how the run went rather than what it stored (differ between attempts by design). */
const ATTEMPT_FIELDS = new Set([
  "resumed",
  "startedAt",
  "finishedAt",
  "durationSeconds",
  "requests",
  "reusedFromStage",
  "stageSeconds",
  "stepSeconds",
  "rowsWritten",
]);

/** A local server's origin (the replays listen on ephemeral ports): normalised to one origin. */
const LOCAL_ORIGIN = /http:\/\/127\.0\.0\.1:\d+/g;

/** An ISO-8601 instant inside a text (e.g. a quality check's details): a time, normalised like the columns. */
const ISO_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

/** Table → its rows, sorted, normalised. */
export type TableDump = Record<string, unknown[]>;

/**
 * Dumps every base table of the `public` schema. `omit` drops further columns per table (e.g. one whose
 * value is known to depend on the attempts, compared by the caller on its own).
 */
export async function dumpTables(db: TestDatabase, omit: Record<string, readonly string[]> = {}): Promise<TableDump> {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string; column_default: string | null }>(
    `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
     ORDER BY table_name, ordinal_position`,
  );
  const byTable = new Map<string, typeof columns>();
  for (const c of columns) if (!SKIPPED_TABLES.has(c.table_name)) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c]);
  const dump: TableDump = {};
  for (const [table, cols] of [...byTable].sort(([a], [b]) => a.localeCompare(b))) {
    const kept = cols.filter((c) => !(c.column_default ?? "").startsWith("nextval(") && !(omit[table] ?? []).includes(c.column_name));
    const select = kept
      .map((c) =>
        c.data_type.startsWith("timestamp")
          ? `CASE WHEN "${c.column_name}" IS NULL THEN NULL ELSE '<time>' END AS "${c.column_name}"`
          : `"${c.column_name}"::text AS "${c.column_name}"`,
      )
      .join(", ");
    const rows = await db.query(`SELECT ${select} FROM "${table}"`);
    const normalised = rows.map((r) => {
      const timeless = Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === "string" ? v.replace(ISO_INSTANT, "<time>").replace(LOCAL_ORIGIN, "http://127.0.0.1:<port>") : v,
        ]),
      );
      return table === "harvest_run" ? normaliseRun(timeless) : timeless;
    });
    dump[table] = normalised
      .map((r) => JSON.stringify(r))
      .sort()
      .map((r): unknown => JSON.parse(r));
  }
  return dump;
}

/**
 * The budget left is the day's (shared by every run); pages fetched are this attempt's requests; the oldest value's
 * age is measured at the run's end.
 */
const BY_TIME = new Set(["budgetRemaining", "pagesFetched", "oldestValueAgeSeconds"]);

/** A `harvest_run` row without what depends on the attempts (in its summary and in what its steps returned). */
function normaliseRun(row: Record<string, unknown>): Record<string, unknown> {
  const { resume_count: _resumes, summary, step_results: steps, ...rest } = row;
  const withoutTime = (json: unknown): unknown => JSON.parse(JSON.stringify(json, (k: string, v: unknown) => (BY_TIME.has(k) ? undefined : v)));
  const stepResults = typeof steps === "string" ? { step_results: withoutTime(JSON.parse(steps)) } : {};
  if (typeof summary !== "string") return { ...rest, ...stepResults };
  const parsed: unknown = JSON.parse(summary);
  if (parsed === null || typeof parsed !== "object") return { ...rest, ...stepResults, summary: parsed };
  const kept = Object.fromEntries(Object.entries(parsed).filter(([k]) => !ATTEMPT_FIELDS.has(k)));
  return { ...rest, ...stepResults, summary: withoutTime(kept) };
}
