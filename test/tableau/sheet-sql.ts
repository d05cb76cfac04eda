/**
 * The SQL a worksheet of the Tableau workbook stands for: its data source's view, its dimensions (GROUP BY), its
 * aggregated measures, its filters (the dashboards' parameters through `In Selection`, its own filters, its Top N)
 * and, on the Show Profile dashboard, the drill-down's `series_id`. What Tableau sends is close to it; what matters
 * here is that every field, filter and grain it names runs on the real views as the reader role.
 */
import {
  datasourceOf,
  fieldOf,
  selectionSql,
  sheetFields,
  type Aggregation,
  type DataSourceSpec,
  type FieldUse,
  type SelectionValues,
  type SheetSpec,
  type WorkbookSpec,
} from "../../src/tableau/workbook.js";

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The SQL expression of a column or calculation of a data source. */
export function columnSql(ds: DataSourceSpec, column: string): string {
  const field = fieldOf(ds, column);
  return "sql" in field ? `(${field.sql})` : ident(column);
}

function aggregateSql(agg: Exclude<Aggregation, "none">, expr: string): string {
  if (agg === "countd") return `count(DISTINCT ${expr})`;
  // Tableau's ATTR: the value when every row of the mark agrees, else "*" (null here).
  if (agg === "attr") return `CASE WHEN count(DISTINCT ${expr}::text) <= 1 THEN min(${expr}::text) END`;
  return `${agg}(${expr})`;
}

/** What a sheet's query is filtered by, beside its own filters. */
export interface SheetContext {
  selection: SelectionValues;
  /** The series the drill-down selected (Show Profile sheets). */
  seriesId: number;
  /** The first-air year quick filter's range (inclusive); none = all years. */
  years?: [number, number];
}

/** The WHERE conditions of a sheet (without its Top N). */
export function sheetConditions(spec: WorkbookSpec, sheet: SheetSpec, context: SheetContext): string[] {
  const ds = datasourceOf(spec, sheet.datasource);
  const where: string[] = [];
  if (sheet.profile) where.push(`series_id = ${context.seriesId}`);
  else if (ds.selection) where.push(selectionSql(ds.selection, context.selection));
  if (context.years && ds.yearFilter && !sheet.profile) where.push(`release_year BETWEEN ${context.years[0]} AND ${context.years[1]}`);
  for (const f of sheet.filters ?? []) {
    if (f.values) where.push(`${columnSql(ds, f.column)} IN (${f.values.map(lit).join(", ")})`);
  }
  return where;
}

/** The dimensions of a sheet: every field used without aggregation (one mark per combination). */
export function sheetDimensions(sheet: SheetSpec): string[] {
  return [
    ...new Set(
      sheetFields(sheet)
        .filter((u) => u.agg === "none")
        .map((u) => u.column),
    ),
  ];
}

/** The measures of a sheet: every aggregated field. */
export function sheetMeasures(sheet: SheetSpec): FieldUse[] {
  return sheetFields(sheet).filter((u) => u.agg !== "none");
}

/** The rows a sheet's filters keep, as a FROM … WHERE … clause (Top N included). */
export function sheetFrom(spec: WorkbookSpec, sheet: SheetSpec, context: SheetContext): string {
  const ds = datasourceOf(spec, sheet.datasource);
  const where = sheetConditions(spec, sheet, context);
  if (sheet.top) {
    const key = columnSql(ds, sheet.top.column);
    const by = sheet.top.by.agg === "none" ? columnSql(ds, sheet.top.by.column) : aggregateSql(sheet.top.by.agg, columnSql(ds, sheet.top.by.column));
    where.push(
      `${key} IN (SELECT ${key} FROM analytics.${ident(ds.view)} WHERE ${where.length ? where.join(" AND ") : "true"} ` +
        `GROUP BY ${key} ORDER BY ${by} DESC NULLS LAST LIMIT ${sheet.top.count})`,
    );
  }
  return `FROM analytics.${ident(ds.view)} WHERE ${where.length ? where.join(" AND ") : "true"}`;
}

/** The query of a sheet: one row per mark. */
export function sheetSql(spec: WorkbookSpec, sheet: SheetSpec, context: SheetContext): string {
  const ds = datasourceOf(spec, sheet.datasource);
  const dims = sheetDimensions(sheet).map((c) => columnSql(ds, c));
  const measures = sheetMeasures(sheet).map((u, i) => `${aggregateSql(u.agg as Exclude<Aggregation, "none">, columnSql(ds, u.column))} AS m${i}`);
  const select = [...dims, ...measures].join(", ");
  return `SELECT ${select} ${sheetFrom(spec, sheet, context)}${dims.length ? ` GROUP BY ${dims.join(", ")}` : ""}`;
}

/** How many distinct grain values the sheet's rows have (the number of marks it claims). */
export function grainCountSql(spec: WorkbookSpec, sheet: SheetSpec, context: SheetContext): string {
  const ds = datasourceOf(spec, sheet.datasource);
  return `SELECT count(*)::int AS n FROM (SELECT DISTINCT ${sheet.grain.map((c) => columnSql(ds, c)).join(", ")} ${sheetFrom(spec, sheet, context)}) g`;
}

/**
 * The most rows one series contributes to one mark: 1 when a sum or average over a mark counts every series once
 * (the fan-out check).
 */
export function rowsPerSeriesAndMarkSql(spec: WorkbookSpec, sheet: SheetSpec, context: SheetContext): string {
  const ds = datasourceOf(spec, sheet.datasource);
  const keys = [...new Set([...sheet.grain, "series_id"])].map((c) => columnSql(ds, c));
  return `SELECT coalesce(max(n), 0)::int AS n FROM (SELECT count(*) AS n ${sheetFrom(spec, sheet, context)} GROUP BY ${keys.join(", ")}) g`;
}

/** Whether a sheet sums or averages rows (so that a row counted twice would move its marks). */
export function sheetAddsRows(sheet: SheetSpec): boolean {
  return sheetMeasures(sheet).some((u) => u.agg === "sum" || u.agg === "avg");
}

/**
 * Translates the subset of Tableau's formula language the `In Selection` calculations use (string literals,
 * `[column]`, `[Parameters].[Name]`, `=`, `+` on strings, AND / OR, parentheses, CONTAINS) into a SQL condition,
 * with the parameters' values substituted, so that the formula the workbook holds is run, not a copy of it.
 * @throws Error on anything outside that subset
 */
export function selectionFormulaSql(formula: string, parameters: Record<string, string>): string {
  const tokens = formula.match(/"(?:[^"]|"")*"|\[Parameters\]\.\[[^\]]+\]|\[[^\]]+\]|CONTAINS|AND|OR|[()=+,]|\s+/g) ?? [];
  if (tokens.join("") !== formula) throw new Error(`formula outside the translated subset: ${formula}`);
  const sql: string[] = [];
  const contains: number[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (/^\s+$/.test(t)) continue;
    if (t.startsWith('"')) sql.push(lit(t.slice(1, -1).replaceAll('""', '"')));
    else if (t.startsWith("[Parameters].")) {
      const name = t.slice("[Parameters].[".length, -1);
      const value = parameters[name];
      if (value === undefined) throw new Error(`no value for parameter ${name}`);
      sql.push(lit(value));
    } else if (t.startsWith("[")) sql.push(ident(t.slice(1, -1)));
    else if (t === "CONTAINS") {
      sql.push("(strpos");
      contains.push(depth + 1);
    } else if (t === "(") {
      depth++;
      sql.push("(");
    } else if (t === ")") {
      sql.push(")");
      if (contains.at(-1) === depth) {
        contains.pop();
        sql.push(" > 0)");
      }
      depth--;
    } else if (t === "+") sql.push("||");
    else sql.push(t === "," ? ", " : ` ${t} `);
  }
  return sql.join("");
}
