/**
 * `tv-harvester export --format parquet|csv --out DIR`: writes every view of schema `analytics` to one file per
 * view (`DIR/<view>.parquet` or `.csv`) plus `DIR/manifest.json`, through DuckDB (a real columnar engine, so the
 * Parquet files are what DuckDB, pandas and Spark expect).
 *
 * The views already show the state of the latest succeeded run (docs/tableau.md); all of them are read in one
 * read-only, repeatable-read transaction so the files agree with each other even while a harvest is loading. Rows
 * are read with pg through a cursor (as JSON, 10,000 at a time, so memory stays flat), spooled as NDJSON to a
 * temporary directory and loaded by DuckDB with the column types taken from PostgreSQL's, then `COPY … TO` the
 * output file. DuckDB's postgres extension is not used: it is downloaded at run time.
 */
import { mkdirSync, mkdtempSync, rmSync, createWriteStream, writeFileSync } from "node:fs";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { DuckDBInstance } from "@duckdb/node-api";
import { formatTable } from "../text-table.js";

/** File formats `export` writes. */
export const EXPORT_FORMATS = ["parquet", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `export`. */
export interface ExportOptions {
  format: ExportFormat;
  /** Output directory, created when missing; files of the same names are replaced. */
  out: string;
}

/** What `export` writes to and reads from. */
export interface ExportIo {
  stdout: (s: string) => void;
  databaseUrl: string;
}

/** One exported view in `manifest.json`. */
export interface ExportedView {
  view: string;
  file: string;
  rows: number;
  columns: { name: string; type: string }[];
}

/** `manifest.json`: which run the files show, when they were written, and what each holds. */
export interface ExportManifest {
  format: ExportFormat;
  /** The latest succeeded harvest run, whose state the views show. */
  runId: number;
  runFinishedAt: string;
  exportedAt: string;
  views: ExportedView[];
}

/** PostgreSQL type oids → DuckDB types. Numerics become DOUBLE (the views round them); unknown types (enums) VARCHAR. */
const DUCKDB_TYPES: Record<number, string> = {
  16: "BOOLEAN",
  20: "BIGINT",
  21: "SMALLINT",
  23: "INTEGER",
  700: "FLOAT",
  701: "DOUBLE",
  1700: "DOUBLE",
  25: "VARCHAR",
  1043: "VARCHAR",
  19: "VARCHAR",
  18: "VARCHAR",
  1082: "DATE",
  1114: "TIMESTAMP",
  1184: "TIMESTAMPTZ",
  1000: "BOOLEAN[]",
  1005: "SMALLINT[]",
  1007: "INTEGER[]",
  1016: "BIGINT[]",
  1009: "VARCHAR[]",
  1015: "VARCHAR[]",
  1022: "DOUBLE[]",
  1231: "DOUBLE[]",
  1182: "DATE[]",
};

/** The DuckDB type for a PostgreSQL column type oid. */
export function duckdbType(oid: number): string {
  return DUCKDB_TYPES[oid] ?? "VARCHAR";
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const sqlIdentifier = (s: string) => `"${s.replaceAll('"', '""')}"`;

/**
 * Exports every analytics view. Returns 0, or 1 when no harvest run has succeeded yet (nothing to show).
 * @throws on database or file-system errors (the message names the view).
 */
export async function exportCommand(opts: ExportOptions, io: ExportIo): Promise<number> {
  const client = new pg.Client({ connectionString: io.databaseUrl });
  await client.connect();
  const spool = mkdtempSync(path.join(os.tmpdir(), "tvh-export-"));
  const duck = await DuckDBInstance.create(":memory:");
  const conn = await duck.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("SET LOCAL TIME ZONE 'UTC'");
    const { rows: runs } = await client.query<{ run_id: number; finished_at: string }>(
      `SELECT run_id, to_json(finished_at)#>>'{}' AS finished_at FROM harvest_run WHERE status = 'succeeded' ORDER BY finished_at DESC NULLS LAST, run_id DESC LIMIT 1`,
    );
    const run = runs[0];
    if (!run) {
      io.stdout("No succeeded harvest run yet: nothing to export.\n");
      return 1;
    }
    const { rows: views } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY table_name`,
    );
    mkdirSync(opts.out, { recursive: true });
    await conn.run("SET TimeZone = 'UTC'");
    const exported: ExportedView[] = [];
    for (const { name } of views) {
      try {
        exported.push(await exportView(client, conn, name, opts, spool));
      } catch (error) {
        throw new Error(`export of analytics.${name} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
    }
    await client.query("COMMIT");
    const manifest: ExportManifest = {
      format: opts.format,
      runId: run.run_id,
      runFinishedAt: run.finished_at,
      exportedAt: new Date().toISOString(),
      views: exported,
    };
    writeFileSync(path.join(opts.out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const total = exported.reduce((n, v) => n + v.rows, 0);
    io.stdout(`Exported ${exported.length} analytics views (${total} rows, harvest run ${run.run_id}) as ${opts.format} to ${opts.out}\n`);
    io.stdout(
      `${formatTable(
        [{}, { align: "right" }, {}],
        exported.map((v) => [v.file, v.rows, "rows"]),
        2,
      )}\n`,
    );
    return 0;
  } finally {
    conn.closeSync();
    duck.closeSync();
    await client.end().catch(() => undefined);
    rmSync(spool, { recursive: true, force: true });
  }
}

async function exportView(
  client: pg.Client,
  conn: Awaited<ReturnType<DuckDBInstance["connect"]>>,
  name: string,
  opts: ExportOptions,
  spool: string,
): Promise<ExportedView> {
  const relation = `analytics.${sqlIdentifier(name)}`;
  const shape = await client.query(`SELECT * FROM ${relation} LIMIT 0`);
  const columns = shape.fields.map((f) => ({ name: f.name, type: duckdbType(f.dataTypeID) }));
  // Rows as JSON (timestamps ISO 8601 with offset, numerics as numbers, arrays as lists), through a cursor.
  const ndjson = path.join(spool, `${name}.ndjson`);
  const out = createWriteStream(ndjson);
  const cursor = `export_${name}`;
  await client.query(`DECLARE ${sqlIdentifier(cursor)} NO SCROLL CURSOR FOR SELECT row_to_json(v)::text AS row FROM ${relation} v`);
  let rows = 0;
  for (;;) {
    const batch = await client.query<{ row: string }>(`FETCH 10000 FROM ${sqlIdentifier(cursor)}`);
    if (batch.rows.length === 0) break;
    rows += batch.rows.length;
    if (!out.write(`${batch.rows.map((r) => r.row).join("\n")}\n`)) await once(out, "drain");
  }
  await client.query(`CLOSE ${sqlIdentifier(cursor)}`);
  out.end();
  await once(out, "close");

  const file = `${name}.${opts.format}`;
  const columnSpec = `{${columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
  const source =
    rows === 0
      ? `SELECT ${columns.map((c) => `NULL::${c.type} AS ${sqlIdentifier(c.name)}`).join(", ")} LIMIT 0`
      : `SELECT * FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = ${columnSpec})`;
  const target = path.join(opts.out, file);
  const format = opts.format === "parquet" ? "FORMAT parquet, COMPRESSION zstd" : "FORMAT csv, HEADER true";
  await conn.run(`COPY (${source}) TO ${sqlString(target)} (${format})`);
  return { view: `analytics.${name}`, file, rows, columns };
}
