/**
 * `tv-harvester export`: after a real harvest (demo catalogue against the replay, ratings sites on), every analytics
 * view is written as Parquet (and as CSV) through DuckDB; read back with DuckDB, each file holds exactly the rows of
 * its view, with column types DuckDB and pandas understand.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import type { ExportManifest } from "../../src/commands/export.js";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes, apiOnlyDataset } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { startHarness, type Harness } from "../helpers/harness.js";

let h: Harness;
let runId: number;
let cliEnv: Record<string, string>;
const output: string[] = [];
const io = { stdout: (s: string) => void output.push(s), stderr: (s: string) => void output.push(s), interactive: false };

beforeAll(async () => {
  h = await startHarness({ ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) }, { env: { LOG_LEVEL: "silent" } });
  cliEnv = { DATABASE_URL: h.db.url, ...h.upstreams.env, LOG_LEVEL: "silent" };
  const run = await runHarvest(h.app, { maxPages: 1 });
  expect(run.status).toBe("succeeded");
  runId = run.runId;
}, 240_000);
afterAll(async () => {
  await h?.close();
});

type Row = Record<string, unknown>;

/** One value in a comparable form: timestamps as epoch ms, big integers and numerics as numbers. */
function normalize(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => normalize(v, type.replace(/\[\]$/, "")));
  if (type === "TIMESTAMPTZ" && typeof value === "string") return new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00")).getTime();
  if (["BIGINT", "INTEGER", "SMALLINT", "DOUBLE", "FLOAT"].includes(type)) return Number(value);
  return value;
}

function normalizeRows(rows: Row[], columns: ExportManifest["views"][number]["columns"]): string[] {
  return rows.map((row) => JSON.stringify(columns.map((c) => normalize(row[c.name], c.type)))).sort();
}

async function viewRows(view: string): Promise<Row[]> {
  await h.db.query("SET TIME ZONE 'UTC'");
  const rows = await h.db.query<{ row: string }>(`SELECT row_to_json(v)::text AS row FROM ${view} v`);
  return rows.map((r) => JSON.parse(r.row) as Row);
}

async function fileRows(
  file: string,
  manifestView: ExportManifest["views"][number],
  format: "parquet" | "csv",
): Promise<{ rows: Row[]; types: string[] }> {
  const duck = await DuckDBInstance.create(":memory:");
  const conn = await duck.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const columns = `{${manifestView.columns.map((c) => `'${c.name}': '${c.type}'`).join(", ")}}`;
    const source = format === "parquet" ? `read_parquet('${file}')` : `read_csv('${file}', header = true, columns = ${columns})`;
    const reader = await conn.runAndReadAll(`SELECT * FROM ${source}`);
    return { rows: reader.getRowObjectsJson() as Row[], types: reader.columnTypes().map(String) };
  } finally {
    conn.closeSync();
    duck.closeSync();
  }
}

describe.each(["parquet", "csv"] as const)("export --format %s", (format) => {
  let out: string;
  let manifest: ExportManifest;

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), `tvh-export-${format}-`));
    expect(await runCli(["export", "--format", format, "--out", out], cliEnv, io)).toBe(0);
    manifest = JSON.parse(readFileSync(path.join(out, "manifest.json"), "utf8")) as ExportManifest;
  }, 120_000);

  it("writes one file per analytics view and a manifest naming the latest succeeded run", async () => {
    const views = await h.db.query<{ name: string }>(
      `SELECT 'analytics.' || table_name AS name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1`,
    );
    expect(manifest.views.map((v) => v.view)).toEqual(views.map((v) => v.name));
    expect(manifest).toMatchObject({ format, runId });
    expect(readdirSync(out).sort()).toEqual(["manifest.json", ...manifest.views.map((v) => v.file)].sort());
    expect(output.join("")).toContain(`harvest run ${runId}`);
  });

  it("every file reads back equal to its view", async () => {
    let compared = 0;
    for (const view of manifest.views) {
      const expected = await viewRows(view.view);
      const actual = await fileRows(path.join(out, view.file), view, format);
      expect(actual.rows.length, view.view).toBe(view.rows);
      expect(normalizeRows(actual.rows, view.columns), view.view).toEqual(normalizeRows(expected, view.columns));
      if (expected.length > 0) compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  });

  if (format === "parquet") {
    it("keeps column types: integers, decimals as doubles, dates, timestamps with time zone, lists", async () => {
      const features = manifest.views.find((v) => v.view === "analytics.series_features")!;
      const { types } = await fileRows(path.join(out, features.file), features, format);
      const byName = Object.fromEntries(features.columns.map((c, i) => [c.name, types[i]]));
      expect(byName).toMatchObject({ series_id: "INTEGER", score_imdb: "DOUBLE", genre_drama: "INTEGER", genre_ids: "INTEGER[]", status: "VARCHAR" });
      const profile = manifest.views.find((v) => v.view === "analytics.series_profile")!;
      const p = await fileRows(path.join(out, profile.file), profile, format);
      const pTypes = Object.fromEntries(profile.columns.map((c, i) => [c.name, p.types[i]]));
      expect(pTypes).toMatchObject({ first_air_date: "DATE", imdb_rated_at: "TIMESTAMP WITH TIME ZONE", tmdb_votes_is_lower_bound: "BOOLEAN" });
    });
  }
});

describe("export without a succeeded run", () => {
  it("says so and exits 1", async () => {
    const empty = await startHarness(apiOnlyDataset([]), { env: { LOG_LEVEL: "silent" } });
    try {
      const lines: string[] = [];
      const code = await runCli(
        ["export", "--out", mkdtempSync(path.join(os.tmpdir(), "tvh-export-none-"))],
        { DATABASE_URL: empty.db.url, LOG_LEVEL: "silent" },
        {
          stdout: (s) => void lines.push(s),
          stderr: (s) => void lines.push(s),
          interactive: false,
        },
      );
      expect(code).toBe(1);
      expect(lines.join("")).toContain("No succeeded harvest run yet");
    } finally {
      await empty.close();
    }
  });
});
