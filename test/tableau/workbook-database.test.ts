/**
 * The Tableau workbook against the migrated database, on the demo data (the demo catalogue harvested from the
 * replay, ratings sites on, then a second run refreshing TMDB only), read as the reader role:
 *  - every data source's view and every column the workbook declares exist, with a type Tableau reads as the
 *    declared one (renaming a view column fails here, not on an analyst's Monday);
 *  - for every worksheet, the SQL it stands for (its fields, filters and grain; src/tableau/workbook.ts) runs and
 *    returns rows, with the parameters at "(All)" and at one genre and platform;
 *  - fan-out: every data source is unique on its key, every sheet has one mark per value of the grain it claims,
 *    and a sheet that sums or averages counts each series once per mark.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import * as cheerio from "cheerio";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_CATALOGUE } from "../../src/demo/catalogue.js";
import { ensureReaderRole } from "../../src/ops/reader-role.js";
import { runHarvest } from "../../src/pipeline/harvest.js";
import { buildApiRoutes } from "../../src/replay/dataset.js";
import { buildSiteRoutes } from "../../src/replay/sites.js";
import { ALL, PARAMETER, WORKBOOK, selectionSql, type SelectionValues } from "../../src/tableau/workbook.js";
import { startHarness, type Harness } from "../helpers/harness.js";
import { grainCountSql, rowsPerSeriesAndMarkSql, selectionFormulaSql, sheetAddsRows, sheetFrom, sheetSql, type SheetContext } from "./sheet-sql.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const $ = cheerio.load(readFileSync(path.join(ROOT, "tableau/tv-harvester.twb"), "utf8"), { xml: true });
const ROLE = `tableau_${Math.random().toString(36).slice(2, 8)}`;
const PASSWORD = "tableau reader test password";

let h: Harness;
let reader: pg.Client;
let profileSeries: number;

const ALL_SELECTED: SelectionValues = { genre: ALL, platform: ALL, region: "US" };
/** A genre and a platform the demo has together. */
const ONE_SELECTED: SelectionValues = { genre: "Drama", platform: "Netflix", region: "US" };

async function asReader<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  return (await reader.query<T>(sql)).rows;
}

/** The one row of a query run as the reader role. */
async function oneRow<T extends pg.QueryResultRow>(sql: string): Promise<T> {
  const [row] = await asReader<T>(sql);
  if (!row) throw new Error(`no row: ${sql}`);
  return row;
}

beforeAll(async () => {
  h = await startHarness({ ...buildApiRoutes(DEMO_CATALOGUE), ...buildSiteRoutes(DEMO_CATALOGUE) }, { env: { LOG_LEVEL: "silent" } });
  expect((await runHarvest(h.app, { maxPages: 5 })).status).toBe("succeeded");
  expect((await runHarvest(h.app, { maxPages: 5, omdb: false, scrape: false, full: true })).status).toBe("succeeded");
  await ensureReaderRole(h.db.url, ROLE, PASSWORD);
  const url = new URL(h.db.url);
  url.username = ROLE;
  url.password = PASSWORD;
  reader = new pg.Client({ connectionString: url.toString() });
  await reader.connect();
  // The series the drill-down picks for the profile sheets: one with seasons and ratings from several sources.
  const row = await oneRow<{ series_id: number }>(
    `SELECT h.series_id FROM analytics.rating_history h JOIN analytics.seasons s USING (series_id)
     GROUP BY h.series_id ORDER BY count(DISTINCT h.source) DESC, h.series_id LIMIT 1`,
  );
  profileSeries = row.series_id;
}, 240_000);

afterAll(async () => {
  await reader?.end();
  await h?.close();
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  await admin.end();
});

/** PostgreSQL types (information_schema data_type) Tableau reads as each of the workbook's data types. */
const COMPATIBLE: Record<string, string[]> = {
  string: ["text", "character varying", "character"],
  integer: ["integer", "bigint", "smallint"],
  real: ["numeric", "double precision", "real"],
  boolean: ["boolean"],
  date: ["date"],
  datetime: ["timestamp with time zone", "timestamp without time zone"],
};

describe("the workbook's fields in the database", () => {
  it("every column of every data source exists in its analytics view, with a compatible type (read as the reader role)", async () => {
    const columns = await asReader<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'analytics'`,
    );
    const types = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.data_type]));
    const datasources = $("workbook > datasources > datasource[name^='federated.']").toArray();
    expect(datasources.length).toBe(WORKBOOK.datasources.length);
    let checked = 0;
    for (const ds of datasources) {
      const view = /^\[analytics\]\.\[(\w+)\]$/.exec($(ds).find("relation").attr("table") ?? "")?.[1];
      expect(view, $(ds).attr("name")).toBeDefined();
      const records = $(ds).find("metadata-record").toArray();
      // Every non-calculated column the data source declares is one of its view's columns.
      const declared = $(ds)
        .children("column")
        .not(":has(calculation)")
        .map((_, c) => $(c).attr("name"))
        .get();
      expect(declared.sort()).toEqual(records.map((r) => $(r).children("local-name").text()).sort());
      for (const r of records) {
        const name = $(r).children("remote-name").text();
        const type = types.get(`${view}.${name}`);
        expect(type, `analytics.${view}.${name}`).toBeDefined();
        expect(COMPATIBLE[$(r).children("local-type").text()], `analytics.${view}.${name} is ${type}`).toContain(type);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(80);
  });

  it("the check above would catch a renamed column", async () => {
    const renamed = await asReader<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'analytics' AND table_name = 'top_rated_streaming' AND column_name = 'weighted_scores'`,
    );
    expect(renamed).toEqual([{ n: 0 }]);
    expect($("metadata-record remote-name").filter((_, e) => $(e).text() === "weighted_score").length).toBeGreaterThan(0);
  });

  it("the views the workbook reads have no array or enum columns", async () => {
    const views = WORKBOOK.datasources.map((d) => `'${d.view}'`).join(", ");
    const odd = await asReader<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT table_name, column_name, data_type FROM information_schema.columns
       WHERE table_schema = 'analytics' AND table_name IN (${views}) AND data_type IN ('ARRAY', 'USER-DEFINED')`,
    );
    expect(odd).toEqual([]);
  });

  it("every data source is unique on its key (its grain)", async () => {
    for (const ds of WORKBOOK.datasources) {
      const key = ds.key.map((k) => `"${k}"`).join(", ");
      const row = await oneRow<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT (${key}))::int AS d FROM analytics."${ds.view}"`);
      expect(row.n, ds.view).toBeGreaterThan(0);
      expect(row.d, `${ds.view} is unique on ${key}`).toBe(row.n);
    }
  });

  it("the parameters' lists offer (All) and the values the filters match", async () => {
    const genres = (await asReader<{ genre: string }>("SELECT genre FROM analytics.genre_choices")).map((r) => r.genre);
    const platforms = (await asReader<{ platform: string }>("SELECT platform FROM analytics.platform_choices")).map((r) => r.platform);
    const regions = (await asReader<{ region: string }>("SELECT region FROM analytics.region_choices")).map((r) => r.region);
    expect(genres).toEqual(expect.arrayContaining([ALL, ONE_SELECTED.genre]));
    expect(platforms).toEqual(expect.arrayContaining([ALL, ONE_SELECTED.platform]));
    expect(regions).toEqual([ONE_SELECTED.region]);
  });
});

describe.each([
  ["parameters at (All)", ALL_SELECTED, undefined],
  [`Genre ${ONE_SELECTED.genre}, Platform ${ONE_SELECTED.platform} (${ONE_SELECTED.region})`, ONE_SELECTED, undefined],
  ["parameters at (All), first-air years 2005–2015", ALL_SELECTED, [2005, 2015] as [number, number]],
])("every worksheet's query, %s", (_label, selection, years) => {
  const context = (): SheetContext => ({ selection, seriesId: profileSeries, years });

  it.each(WORKBOOK.sheets.map((s) => [s.name, s] as const))(
    "%s: runs as the reader role, returns rows, one mark per grain value",
    async (_name, sheet) => {
      const marks = await asReader(sheetSql(WORKBOOK, sheet, context()));
      expect(marks.length).toBeGreaterThan(0);
      const grain = await oneRow<{ n: number }>(grainCountSql(WORKBOOK, sheet, context()));
      expect(marks.length, `marks of ${sheet.name} at its grain ${sheet.grain.join(" × ")}`).toBe(grain.n);
      if (sheetAddsRows(sheet)) {
        const most = await oneRow<{ n: number }>(rowsPerSeriesAndMarkSql(WORKBOOK, sheet, context()));
        expect(most.n, `${sheet.name}: a series counted more than once in a mark`).toBe(1);
      }
    },
  );
});

describe("the parameters restrict every dashboard data source", () => {
  it.each(WORKBOOK.datasources.filter((d) => d.selection).map((d) => [d.view, d] as const))("%s", async (_view, ds) => {
    const sheet = WORKBOOK.sheets.find((s) => s.datasource === ds.name && !s.profile && !s.top && !s.filters);
    if (!sheet) throw new Error(`no unfiltered sheet on ${ds.name}`);
    const rows = async (selection: SelectionValues) =>
      (await oneRow<{ n: number }>(`SELECT count(*)::int AS n ${sheetFrom(WORKBOOK, sheet, { selection, seriesId: 0 })}`)).n;
    const all = await rows(ALL_SELECTED);
    const one = await rows(ONE_SELECTED);
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThan(all);
  });
});

describe("the In Selection formulas the workbook holds", () => {
  const formulas = $("workbook > datasources > datasource[name^='federated.'] > column[name='[in_selection]'] > calculation")
    .map((_, c) => ({ datasource: $(c).parent().parent().attr("name") ?? "", formula: $(c).attr("formula") ?? "" }))
    .get();

  it("are on every dashboard data source", () => {
    expect(formulas.map((f) => f.datasource).sort()).toEqual(
      WORKBOOK.datasources
        .filter((d) => d.selection)
        .map((d) => d.name)
        .sort(),
    );
  });

  it.each([ALL_SELECTED, ONE_SELECTED, { genre: "Crime", platform: ALL, region: "US" }])(
    "keep the rows the sheets' SQL keeps: %o",
    async (selection) => {
      for (const { datasource, formula } of formulas) {
        const ds = WORKBOOK.datasources.find((d) => d.name === datasource);
        if (!ds?.selection) throw new Error(`no selection on ${datasource}`);
        const parameters = { [PARAMETER.genre]: selection.genre, [PARAMETER.platform]: selection.platform, [PARAMETER.region]: selection.region };
        const byFormula = await oneRow<{ n: number }>(
          `SELECT count(*)::int AS n FROM analytics."${ds.view}" WHERE ${selectionFormulaSql(formula, parameters)}`,
        );
        const bySql = await oneRow<{ n: number }>(
          `SELECT count(*)::int AS n FROM analytics."${ds.view}" WHERE ${selectionSql(ds.selection, selection)}`,
        );
        expect(byFormula.n, `${datasource}: ${formula}`).toBe(bySql.n);
        expect(byFormula.n).toBeGreaterThan(0);
      }
    },
  );
});

describe("the naive join the workbook avoids", () => {
  it("a genre bridge joined to the series grain fans out (what the filter keys prevent)", async () => {
    const row = await oneRow<{ joined: number; series: number }>(
      `SELECT count(*)::int AS joined, count(DISTINCT t.series_id)::int AS series
       FROM analytics.top_rated_streaming t JOIN analytics.series_genres g USING (series_id) WHERE t.region = 'US'`,
    );
    expect(row.joined).toBeGreaterThan(row.series);
    const keys = await oneRow<{ rows: number; series: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT (platform, series_id))::int AS series FROM analytics.top_rated_streaming WHERE region = 'US'`,
    );
    expect(keys.rows).toBe(keys.series);
  });
});
