/**
 * The committed Tableau workbook (tableau/tv-harvester.twb) as a file: it is what `tv-harvester tableau` writes for
 * the placeholders, it validates against Tableau's published schema (xmllint, with the leniencies documented in
 * ../shared/tableau/README.md), every reference in it resolves (the shared cross-reference checker and ours), and
 * it holds the four dashboards and the profile with their filters and drill-down, a live PostgreSQL connection
 * and no password. The database side (fields, types, each sheet's query) is test/tableau/workbook-database.test.ts.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as cheerio from "cheerio";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.js";
import { tableauConnection } from "../../src/commands/tableau.js";
import { PLACEHOLDER_CONNECTION, WORKBOOK_FORMAT, writeWorkbook } from "../../src/tableau/twb.js";
import { ALL, PARAMETER, WORKBOOK } from "../../src/tableau/workbook.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const COMMITTED = path.join(ROOT, "tableau/tv-harvester.twb");
const SHARED = path.resolve(ROOT, "../shared/tableau");
const LENIENT_XSD = path.join(SHARED, "offline/twb_2026.1.0.lenient.xsd");
const XREF = path.join(SHARED, "offline/xref_twb.py");

const text = readFileSync(COMMITTED, "utf8");
const $ = cheerio.load(text, { xml: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), "tvh-twb-"));

/** xmllint against Tableau's schema (lenient: explain-data optional); returns its exit code and messages. */
function validate(file: string): { status: number | null; output: string } {
  const r = spawnSync("xmllint", ["--noout", "--schema", LENIENT_XSD, file], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** The shared cross-reference checker (python3): zones, windows, viewpoints, actions, shelf and filter fields. */
function xref(file: string): { status: number | null; output: string } {
  const r = spawnSync("python3", [XREF, file], { encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

function variant(name: string, edit: (s: string) => string): string {
  const file = path.join(tmp, name);
  const changed = edit(text);
  expect(changed).not.toBe(text);
  writeFileSync(file, changed);
  return file;
}

describe("the committed workbook", () => {
  it("is what `tableau` writes for the placeholders (regenerate: tv-harvester tableau --placeholders --out tableau/tv-harvester.twb)", () => {
    expect(text).toBe(writeWorkbook(WORKBOOK, PLACEHOLDER_CONNECTION));
  });

  it("validates against Tableau's schema, and the check fails on a misplaced or unknown element", () => {
    // check_twb.py strips `_.fcp.*` feature markers first; the workbook has none, so xmllint reads it as it is.
    expect(text).not.toMatch(/_\.fcp\./);
    const ok = validate(COMMITTED);
    expect(ok.output).toContain("validates");
    expect(ok.status).toBe(0);
    expect(
      validate(variant("order.twb", (s) => s.replace("<preferences/>", "").replace("<shared-views>", "<preferences/><shared-views>"))).status,
    ).not.toBe(0);
    expect(validate(variant("unknown.twb", (s) => s.replace("<preferences/>", "<preferences/><dashboard-chart/>"))).status).not.toBe(0);
  });

  it("every reference resolves (zones, windows, viewpoints, actions, shelf and filter fields), and a broken one is caught", () => {
    const ok = xref(COMMITTED);
    expect(ok.output).toContain(": OK");
    expect(ok.status).toBe(0);
    const broken = xref(
      variant("xref.twb", (s) => s.replace('<zone h="50000" id="2" name="Top-Rated Series"', '<zone h="50000" id="2" name="Top Rated Series"')),
    );
    expect(broken.output).toContain("unknown worksheet 'Top Rated Series'");
    expect(broken.status).toBe(1);
  });

  it("every field a sheet's attributes name (encodings, sorts, filters, Top N) is a column instance it declares", () => {
    let checked = 0;
    for (const ws of $("worksheets > worksheet").toArray()) {
      const declared = new Set<string>();
      for (const dep of $(ws).find("datasource-dependencies").toArray()) {
        const ds = $(dep).attr("datasource");
        for (const ci of $(dep).children("column-instance").toArray()) declared.add(`[${ds}].${$(ci).attr("name")}`);
      }
      for (const el of $(ws).find("*").toArray()) {
        for (const [name, value] of Object.entries($(el).attr() ?? {})) {
          // A parameter's list source is a column of a workbook data source, checked below.
          if (name === "source-field") continue;
          for (const [reference] of value.matchAll(/\[federated\.[a-z_]+\]\.\[[^\]]+\]/g)) {
            expect(declared, `${$(ws).attr("name")}: <${el.tagName} ${name}="${value}">`).toContain(reference);
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it("every calculation names only declared columns and parameters", () => {
    const parameters = new Set(
      $("datasource[name='Parameters'] > column")
        .map((_, c) => $(c).attr("name"))
        .get(),
    );
    for (const ds of $("datasources > datasource[name^='federated.']").toArray()) {
      const declared = new Set(
        $(ds)
          .children("column")
          .map((_, c) => $(c).attr("name"))
          .get(),
      );
      for (const calc of $(ds).children("column").has("calculation").toArray()) {
        const formula = $(calc).children("calculation").attr("formula") ?? "";
        for (const [, qualifier, name] of formula.matchAll(/(\[Parameters\]\.)?(\[[^\]]+\])/g)) {
          if (qualifier) expect(parameters, `${formula}: ${name}`).toContain(name);
          else expect(declared, `${$(ds).attr("name")}: ${formula}: ${name}`).toContain(name);
        }
      }
    }
  });

  it("names its format: document version 18.1 and the oldest Desktop it needs (2020.1, dynamic parameters)", () => {
    const wb = $("workbook");
    expect(wb.attr("version")).toBe("18.1");
    expect(wb.attr("original-version")).toBe("18.1");
    expect(wb.attr("source-build")).toMatch(/^2020\.1\.0 /);
    expect(WORKBOOK_FORMAT.minimumDesktop).toBe("2020.1");
    // Nothing of a later release: relationships (object-graph, 2020.2) and explain-data.
    expect(text).not.toMatch(/object-graph|explain-data/);
    // 2020.1's feature: the parameters' lists come from fields when the workbook opens.
    const sources = $("datasource[name='Parameters'] > column[source-field]")
      .map((_, c) => $(c).attr("source-field"))
      .get();
    expect(sources).toHaveLength(3);
    for (const source of sources) {
      const [, ds, column] = /^\[([^\]]+)\]\.(\[[^\]]+\])$/.exec(source) ?? [];
      expect($(`workbook > datasources > datasource[name='${ds}'] > column[name='${column}']`), source).toHaveLength(1);
    }
  });

  it("connects live to PostgreSQL as the reader role with placeholders, prompting for the password", () => {
    const connections = $("named-connection > connection").toArray();
    expect(connections.length).toBe(WORKBOOK.datasources.length);
    for (const c of connections) {
      expect($(c).attr()).toMatchObject({
        class: "postgres",
        authentication: "username-password",
        server: "your-database-host",
        port: "5432",
        dbname: "tv_harvester",
        username: "tableau_reader",
        "workgroup-auth-mode": "prompt",
      });
      expect(Object.keys($(c).attr() ?? {}).filter((a) => /password/i.test(a))).toEqual([]);
    }
    for (const r of $("relation").toArray()) expect($(r).attr("table")).toMatch(/^\[analytics\]\.\[[a-z_]+\]$/);
  });

  it("has the four dashboards and the Show Profile, each of the four with Genre, Platform, Region and first-air year filters", () => {
    const dashboards = $("dashboards > dashboard")
      .map((_, d) => $(d).attr("name"))
      .get();
    expect(dashboards).toEqual([
      "Top-Rated Series by Platform",
      "Rating Distribution Across Genres",
      "Trends in Ratings Over Time",
      "Multi-Source Rating Comparison",
      "Show Profile",
    ]);
    for (const name of dashboards.slice(0, 4)) {
      const d = $(`dashboard[name='${name}']`);
      const controls = d
        .find("zone[type-v2='paramctrl']")
        .map((_, z) => $(z).attr("param"))
        .get();
      expect(controls).toEqual([PARAMETER.genre, PARAMETER.platform, PARAMETER.region].map((p) => `[Parameters].[${p}]`));
      const year = d.find("zone[type-v2='filter']").filter((_, z) => ($(z).attr("param") ?? "").endsWith(".[none:release_year:qk]"));
      expect(year, name).toHaveLength(1);
      // The parameters reach every sheet of the dashboard: each keeps In Selection as a context filter, and the
      // year filter is a shared filter of every data source the dashboard's sheets use.
      const sheets = d
        .find("zone[name]:not([type-v2])")
        .map((_, z) => $(z).attr("name"))
        .get();
      expect(sheets.length).toBeGreaterThanOrEqual(2);
      for (const sheet of sheets) {
        const view = $(`worksheet[name='${sheet}'] > table > view`);
        const filter = view.children("filter").filter((_, f) => ($(f).attr("column") ?? "").endsWith(".[none:in_selection:nk]"));
        expect(filter.attr("context"), sheet).toBe("true");
        const ds = view.children("datasources").children("datasource").first().attr("name");
        expect($(`shared-view[name='${ds}'] > filter[column='[${ds}].[none:release_year:qk]'][context='true']`), sheet).toHaveLength(1);
      }
    }
    // Parameters default to no restriction (Region to US: platforms are per region).
    expect(
      $("datasource[name='Parameters'] > column")
        .map((_, c) => $(c).attr("value"))
        .get(),
    ).toEqual([`"${ALL}"`, `"${ALL}"`, '"US"']);
  });

  it("reaches the Show Profile from a series mark of each of the four dashboards, filtering every profile data source on series_id", () => {
    const profile = $("dashboard[name='Show Profile']");
    const profileSources = new Set(
      profile
        .find("zone[name]:not([type-v2])")
        .map((_, z) => $(`worksheet[name='${$(z).attr("name")}'] > table > view > datasources > datasource`).attr("name"))
        .get(),
    );
    expect(profileSources.size).toBe(4);
    const drills = $("actions > action").filter((_, a) => $(a).find("command").attr("command") === "tsc:tsl-filter");
    const fromDashboards = new Set<string>();
    for (const a of drills.toArray()) {
      expect($(a).find("command > param[name='target']").attr("value")).toBe("Show Profile");
      const source = $(a).children("source");
      fromDashboards.add(source.attr("dashboard") ?? "");
      // The source sheet has series_id in its marks, so a selected mark carries it.
      const sheet = $(`worksheet[name='${source.attr("worksheet")}']`);
      expect(
        sheet
          .find("encodings > lod")
          .map((_, l) => $(l).attr("column"))
          .get()
          .join(" "),
      ).toContain("[none:series_id:ok]");
      const expression = decodeURIComponent($(a).children("link").attr("expression") ?? "");
      for (const ds of profileSources) expect(expression).toContain(`[${ds}].[series_id]~s0=<[series_id]~na>`);
    }
    expect([...fromDashboards].sort()).toEqual(
      ["Multi-Source Rating Comparison", "Rating Distribution Across Genres", "Top-Rated Series by Platform", "Trends in Ratings Over Time"].sort(),
    );
    for (const ds of profileSources) expect($(`actions > datasource-dependencies[datasource='${ds}'] > column[name='[series_id]']`)).toHaveLength(1);
  });

  it("the profile opens the TMDB, IMDb, Rotten Tomatoes and Metacritic pages and loads the poster into its web object", () => {
    const links = $("actions > action > source[worksheet='Profile']")
      .parent()
      .map((_, a) => `${$(a).find("url-action-type").text()} ${$(a).children("link").attr("expression")}`)
      .get();
    expect(links).toEqual([
      "specific-zone <[poster_url]~na>",
      "browser <[tmdb_url]~na>",
      "browser <[imdb_url]~na>",
      "browser <[rotten_tomatoes_url]~na>",
      "browser <[metacritic_url]~na>",
    ]);
    expect($("dashboard[name='Show Profile'] zone[type-v2='web']").attr("friendly-name")).toBe("Poster");
  });
});

describe("tv-harvester tableau --out FILE", () => {
  const run = async (env: Record<string, string>, args: string[] = []) => {
    const out = path.join(tmp, `cli-${Math.random().toString(36).slice(2)}`, "harvest.twb");
    const output: string[] = [];
    const io = { stdout: (s: string) => void output.push(s), stderr: (s: string) => void output.push(s), interactive: false };
    const code = await runCli(["tableau", "--out", out, ...args], { LOG_LEVEL: "silent", ...env }, io);
    return { code, out, output: output.join("") };
  };

  it("fills server, port and database from DATABASE_URL and the reader role's name, never a password", async () => {
    const { code, out, output } = await run({
      DATABASE_URL: "postgresql://harvester:db-secret-1@db.internal.example:6543/tv_prod",
      READER_ROLE_NAME: "bi_reader",
      READER_ROLE_PASSWORD: "reader-secret-2",
    });
    expect(code).toBe(0);
    const written = readFileSync(out, "utf8");
    expect(written).toBe(writeWorkbook(WORKBOOK, { server: "db.internal.example", port: 6543, dbname: "tv_prod", username: "bi_reader" }));
    expect(written + output).not.toMatch(/db-secret-1|reader-secret-2|harvester:/);
    expect(output).toContain("db.internal.example:6543, database tv_prod, user bi_reader");
    // The file passes the schema as the committed one does.
    expect(validate(out).status).toBe(0);
  });

  it("without DATABASE_URL, points at the embedded server (127.0.0.1, EMBEDDED_PG_PORT, tv_harvester)", () => {
    const connection = tableauConnection({
      databaseUrl: undefined,
      embeddedPostgres: { dataDir: "x", port: 55432 },
      reader: { roleName: "tableau_reader", password: undefined },
    });
    expect(connection).toEqual({ server: "127.0.0.1", port: 55432, dbname: "tv_harvester", username: "tableau_reader" });
  });

  it("a URL without port takes PostgreSQL's 5432; --placeholders writes the committed workbook", async () => {
    expect(
      tableauConnection({
        databaseUrl: "postgres://u@pg.example/analytics",
        embeddedPostgres: { dataDir: "x", port: 1 },
        reader: { roleName: "r", password: undefined },
      }),
    ).toEqual({
      server: "pg.example",
      port: 5432,
      dbname: "analytics",
      username: "r",
    });
    const { code, out } = await run({ DATABASE_URL: "postgresql://u:p@h:1/d" }, ["--placeholders"]);
    expect(code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(text);
  });

  it("--out is required (exit 2)", async () => {
    const output: string[] = [];
    const io = { stdout: (s: string) => void output.push(s), stderr: (s: string) => void output.push(s), interactive: false };
    expect(await runCli(["tableau"], { LOG_LEVEL: "silent" }, io)).toBe(2);
    expect(output.join("")).toContain("--out");
  });
});

// xmllint and python3 are Debian packages .ci/run installs (libxml2-utils, python3).
execFileSync("xmllint", ["--version"], { stdio: "ignore" });
