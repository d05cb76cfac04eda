/**
 * Writes the workbook description of `src/tableau/workbook.ts` as a Tableau workbook (`.twb`, XML), with
 * xmlbuilder2. The element order and names follow Tableau's published schema (tableau-document-schemas, 2026.1)
 * and workbooks saved by Tableau Desktop (`../shared/tableau/`, read in docs/tableau.md).
 *
 * Format version: `version='18.1'` (the document format of every Desktop since 2018.1), and the oldest Desktop
 * whose features the workbook needs, 2020.1: its parameters' lists are refreshed from a field when the workbook
 * opens ("dynamic parameters", 2020.1). Nothing newer is used: no relationships (object-graph, 2020.2), no
 * `_.fcp.*` feature markers, no `explain-data`.
 *
 * The connection is a live PostgreSQL one, `authentication='username-password'`, and carries no password:
 * Tableau asks for it when the workbook opens.
 */
import { createHash } from "node:crypto";
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces.js";
import {
  datasourceOf,
  fieldOf,
  IN_SELECTION,
  sheetFields,
  type Aggregation,
  type ColumnSpec,
  type DataSourceSpec,
  type FieldUse,
  type SheetSpec,
  type TableauDatatype,
  type WorkbookSpec,
} from "./workbook.js";

/** The database a workbook connects to: the things an analyst may edit in Tableau, and never a password. */
export interface TableauConnection {
  server: string;
  port: number;
  dbname: string;
  /** The reader role's name (READER_ROLE_NAME). */
  username: string;
}

/** The values the committed workbook `tableau/tv-harvester.twb` is written with (docs/tableau.md: what to edit). */
export const PLACEHOLDER_CONNECTION: TableauConnection = {
  server: "your-database-host",
  port: 5432,
  dbname: "tv_harvester",
  username: "tableau_reader",
};

/** The document format (`version`) and the oldest Desktop release the workbook needs (`source-build`). */
export const WORKBOOK_FORMAT = { version: "18.1", minimumDesktop: "2020.1", sourceBuild: "2020.1.0 (20201.20.0000.0000)" } as const;

const USER_NS = "http://www.tableausoftware.com/xml/user";

/** The column instance a shelf names: `[avg:score_normalized:qk]`. */
export function instanceName(use: FieldUse, datatype: TableauDatatype): string {
  return `${PREFIX[use.agg]}:${use.column}:${instanceSuffix(use, datatype)}`;
}

const PREFIX: Record<Aggregation, string> = { none: "none", sum: "sum", avg: "avg", min: "min", max: "max", countd: "ctd", attr: "attr" };
const DERIVATION: Record<Aggregation, string> = {
  none: "None",
  sum: "Sum",
  avg: "Avg",
  min: "Min",
  max: "Max",
  countd: "CountD",
  attr: "Attribute",
};

function instanceSuffix(use: FieldUse, datatype: TableauDatatype): "nk" | "ok" | "qk" {
  if (use.agg === "attr") return "nk";
  if (use.agg !== "none" || use.continuous) return "qk";
  return datatype === "string" || datatype === "boolean" ? "nk" : "ok";
}

const INSTANCE_TYPE = { nk: "nominal", ok: "ordinal", qk: "quantitative" } as const;

/** Tableau's field type of a declared column. */
function columnType(c: ColumnSpec): "nominal" | "ordinal" | "quantitative" {
  if (c.role === "measure") return "quantitative";
  return c.datatype === "string" || c.datatype === "boolean" ? "nominal" : "ordinal";
}

/** ADO type codes Tableau records for PostgreSQL columns (as in Desktop-saved workbooks), and the default aggregation. */
const REMOTE: Record<TableauDatatype, { type: number; aggregation: string }> = {
  string: { type: 129, aggregation: "Count" },
  integer: { type: 20, aggregation: "Sum" },
  real: { type: 131, aggregation: "Sum" },
  boolean: { type: 11, aggregation: "Count" },
  date: { type: 7, aggregation: "Year" },
  datetime: { type: 135, aggregation: "Year" },
};

/** A stable `{XXXXXXXX-…}` id for an object of the workbook, so the same description always gives the same file. */
function simpleId(kind: string, name: string): string {
  const h = createHash("sha256").update(`${kind}:${name}`).digest("hex").toUpperCase();
  return `{${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}}`;
}

const ref = (ds: string, name: string) => `[${ds}].[${name}]`;
const bracket = (name: string) => `[${name}]`;
/** Tableau's quoted string value in parameter attributes: `"(All)"`. */
const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;

function declareColumn(parent: XMLBuilder, c: ColumnSpec, formula?: string): void {
  const col = parent.ele("column", { caption: c.caption, datatype: c.datatype, name: bracket(c.name), role: c.role, type: columnType(c) });
  if (formula !== undefined) col.ele("calculation", { class: "tableau", formula });
}

function writeDatasource(parent: XMLBuilder, ds: DataSourceSpec, connection: TableauConnection, connectionName: string): void {
  const d = parent.ele("datasource", { caption: ds.caption, inline: "true", name: ds.name, version: WORKBOOK_FORMAT.version });
  const fed = d.ele("connection", { class: "federated" });
  fed
    .ele("named-connections")
    .ele("named-connection", { caption: connection.server, name: connectionName })
    .ele("connection", {
      authentication: "username-password",
      class: "postgres",
      dbname: connection.dbname,
      "odbc-native-protocol": "",
      "one-time-sql": "",
      port: String(connection.port),
      server: connection.server,
      sslmode: "",
      username: connection.username,
      "workgroup-auth-mode": "prompt",
    });
  fed.ele("relation", { connection: connectionName, name: ds.view, table: `[analytics].[${ds.view}]`, type: "table" });
  const records = fed.ele("metadata-records");
  ds.columns.forEach((c, i) => {
    const r = records.ele("metadata-record", { class: "column" });
    r.ele("remote-name").txt(c.name);
    r.ele("remote-type").txt(String(REMOTE[c.datatype].type));
    r.ele("local-name").txt(bracket(c.name));
    r.ele("parent-name").txt(bracket(ds.view));
    r.ele("remote-alias").txt(c.name);
    r.ele("ordinal").txt(String(i + 1));
    r.ele("local-type").txt(c.datatype);
    r.ele("aggregation").txt(REMOTE[c.datatype].aggregation);
    r.ele("contains-null").txt("true");
  });
  d.ele("aliases", { enabled: "yes" });
  for (const c of ds.columns) declareColumn(d, c);
  for (const c of ds.calculations) declareColumn(d, c, c.formula);
  d.ele("layout", { "dim-ordering": "alphabetic", "measure-ordering": "alphabetic", "show-structure": "true" });
}

function writeParameters(parent: XMLBuilder, spec: WorkbookSpec): void {
  const d = parent.ele("datasource", { hasconnection: "false", inline: "true", name: "Parameters", version: WORKBOOK_FORMAT.version });
  d.ele("aliases", { enabled: "yes" });
  for (const p of spec.parameters) declareParameter(d, p);
}

function declareParameter(parent: XMLBuilder, p: WorkbookSpec["parameters"][number]): void {
  const col = parent.ele("column", {
    caption: p.caption,
    datatype: "string",
    name: bracket(p.name),
    "param-domain-type": "list",
    role: "measure",
    "source-field": ref(p.source.datasource, p.source.column),
    type: "nominal",
    value: quoted(p.value),
  });
  col.ele("calculation", { class: "tableau", formula: quoted(p.value) });
  col.ele("members").ele("member", { value: quoted(p.value) });
}

/** The fields a sheet declares in its datasource-dependencies: every use, the filters' and the year's. */
function sheetUses(spec: WorkbookSpec, sheet: SheetSpec): FieldUse[] {
  const ds = datasourceOf(spec, sheet.datasource);
  const uses = [...sheetFields(sheet)];
  if (sheet.top) uses.push({ column: sheet.top.column, agg: "none" }, sheet.top.by);
  if (sheet.sort) uses.push({ column: sheet.sort.column, agg: "none" }, sheet.sort.by);
  for (const f of sheet.filters ?? []) uses.push({ column: f.column, agg: "none" });
  if (ds.selection && !sheet.profile) uses.push({ column: IN_SELECTION, agg: "none" });
  if (ds.yearFilter && !sheet.profile) uses.push({ column: "release_year", agg: "none", continuous: true });
  const seen = new Set<string>();
  return uses.filter((u) => {
    const key = instanceName(u, fieldOf(ds, u.column).datatype);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function writeDependencies(view: XMLBuilder, spec: WorkbookSpec, ds: DataSourceSpec, uses: FieldUse[], withParameters: boolean): void {
  if (withParameters) {
    const deps = view.ele("datasource-dependencies", { datasource: "Parameters" });
    for (const p of spec.parameters) declareParameter(deps, p);
  }
  const deps = view.ele("datasource-dependencies", { datasource: ds.name });
  const columns = [...new Set(uses.map((u) => u.column))].sort();
  for (const name of columns) {
    const f = fieldOf(ds, name);
    declareColumn(deps, f, "formula" in f ? f.formula : undefined);
  }
  for (const u of uses) {
    const f = fieldOf(ds, u.column);
    const suffix = instanceSuffix(u, f.datatype);
    deps.ele("column-instance", {
      column: bracket(u.column),
      derivation: DERIVATION[u.agg],
      name: bracket(instanceName(u, f.datatype)),
      pivot: "key",
      type: INSTANCE_TYPE[suffix],
    });
  }
}

function fieldRef(spec: WorkbookSpec, sheet: SheetSpec, u: FieldUse): string {
  const ds = datasourceOf(spec, sheet.datasource);
  return ref(ds.name, instanceName(u, fieldOf(ds, u.column).datatype));
}

/** A shelf: fields joined by Tableau's `/` (nest) operator, in the order given. */
function shelf(spec: WorkbookSpec, sheet: SheetSpec, uses: FieldUse[]): string {
  return uses.map((u) => fieldRef(spec, sheet, u)).join(" / ");
}

function writeWorksheet(parent: XMLBuilder, spec: WorkbookSpec, sheet: SheetSpec): void {
  const ds = datasourceOf(spec, sheet.datasource);
  const selection = ds.selection !== undefined && !sheet.profile;
  const ws = parent.ele("worksheet", { name: sheet.name });
  const table = ws.ele("table");
  const view = table.ele("view");
  const sources = view.ele("datasources");
  sources.ele("datasource", { caption: ds.caption, name: ds.name });
  if (selection) sources.ele("datasource", { name: "Parameters" });
  const uses = sheetUses(spec, sheet);
  writeDependencies(view, spec, ds, uses, selection);
  const slices: string[] = [];
  if (selection) {
    const inst = instanceName({ column: IN_SELECTION, agg: "none" }, "boolean");
    view.ele("filter", { class: "categorical", column: ref(ds.name, inst), context: "true" }).ele("groupfilter", {
      function: "member",
      level: bracket(inst),
      member: "true",
      "user:ui-domain": "database",
      "user:ui-enumeration": "inclusive",
      "user:ui-marker": "enumerate",
    });
    slices.push(ref(ds.name, inst));
  }
  for (const f of sheet.filters ?? []) {
    const inst = instanceName({ column: f.column, agg: "none" }, fieldOf(ds, f.column).datatype);
    const filter = view.ele("filter", { class: "categorical", column: ref(ds.name, inst) });
    if (!f.values) {
      filter.ele("groupfilter", { function: "level-members", level: bracket(inst), "user:ui-enumeration": "all", "user:ui-marker": "enumerate" });
    } else {
      const union = filter.ele("groupfilter", {
        function: "union",
        "user:ui-domain": "database",
        "user:ui-enumeration": "inclusive",
        "user:ui-marker": "enumerate",
      });
      for (const v of f.values) union.ele("groupfilter", { function: "member", level: bracket(inst), member: quoted(v) });
    }
    slices.push(ref(ds.name, inst));
  }
  if (sheet.top) {
    const inst = instanceName({ column: sheet.top.column, agg: "none" }, fieldOf(ds, sheet.top.column).datatype);
    const by = sheet.top.by;
    view
      .ele("filter", { class: "categorical", column: ref(ds.name, inst) })
      .ele("groupfilter", {
        count: String(sheet.top.count),
        end: "top",
        function: "end",
        units: "records",
        "user:ui-marker": "end",
        "user:ui-top-by-field": "true",
      })
      .ele("groupfilter", { direction: "DESC", expression: `${by.agg.toUpperCase()}([${by.column}])`, function: "order", "user:ui-marker": "order" })
      .ele("groupfilter", { function: "level-members", level: bracket(inst), "user:ui-enumeration": "all", "user:ui-marker": "enumerate" });
    slices.push(ref(ds.name, inst));
  }
  if (sheet.sort) {
    view.ele("computed-sort", {
      column: fieldRef(spec, sheet, { column: sheet.sort.column, agg: "none" }),
      direction: "DESC",
      using: fieldRef(spec, sheet, sheet.sort.by),
    });
  }
  if (slices.length > 0) {
    const s = view.ele("slices");
    for (const c of slices) s.ele("column").txt(c);
  }
  view.ele("aggregation", { value: "true" });
  table.ele("style");
  const pane = table.ele("panes").ele("pane", { "selection-relaxation-option": "selection-relaxation-allow" });
  pane.ele("view").ele("breakdown", { value: "auto" });
  pane.ele("mark", { class: sheet.mark });
  const enc: [string, FieldUse][] = [
    ...(sheet.color ? [["color", sheet.color] as [string, FieldUse]] : []),
    ...(sheet.text ?? []).map((u) => ["text", u] as [string, FieldUse]),
    ...(sheet.detail ?? []).map((u) => ["lod", u] as [string, FieldUse]),
    ...(sheet.tooltip ?? []).map((u) => ["tooltip", u] as [string, FieldUse]),
  ];
  if (enc.length > 0) {
    const encodings = pane.ele("encodings");
    for (const [kind, u] of enc) encodings.ele(kind, { column: fieldRef(spec, sheet, u) });
  }
  table.ele("rows").txt(shelf(spec, sheet, sheet.rows));
  table.ele("cols").txt(shelf(spec, sheet, sheet.cols));
  ws.ele("simple-id", { uuid: simpleId("worksheet", sheet.name) });
}

/** Zones of a dashboard, in 100,000ths of its width and height: filters on the right, sheets stacked on the left. */
function writeDashboard(parent: XMLBuilder, spec: WorkbookSpec, dashboard: WorkbookSpec["dashboards"][number]): void {
  const d = parent.ele("dashboard", { name: dashboard.name });
  d.ele("style");
  d.ele("size", { "sizing-mode": "automatic" });
  let id = 1;
  const root = d.ele("zones").ele("zone", { h: "100000", id: String(id++), "type-v2": "layout-basic", w: "100000", x: "0", y: "0" });
  const left = dashboard.poster ? 22000 : 0;
  const right = 80000;
  const height = Math.floor(100000 / dashboard.sheets.length);
  dashboard.sheets.forEach((name, i) => {
    root.ele("zone", { h: String(height), id: String(id++), name, w: String(right - left), x: String(left), y: String(i * height) });
  });
  if (dashboard.poster) {
    root.ele("zone", { "friendly-name": "Poster", h: "50000", id: String(id++), "type-v2": "web", url: "", w: String(left), x: "0", y: "0" });
  }
  const controls: Record<string, string>[] = [];
  if (dashboard.filters) {
    for (const p of spec.parameters) controls.push({ mode: "compact", param: ref("Parameters", p.name), "type-v2": "paramctrl" });
    const first = dashboard.sheets.map((s) => sheetOf(spec, s)).find((s) => datasourceOf(spec, s.datasource).yearFilter);
    if (first) {
      const ds = datasourceOf(spec, first.datasource);
      controls.push({
        name: first.name,
        param: ref(ds.name, instanceName({ column: "release_year", agg: "none", continuous: true }, "integer")),
        "type-v2": "filter",
      });
    }
  }
  for (const name of dashboard.sheets) {
    const sheet = sheetOf(spec, name);
    const ds = datasourceOf(spec, sheet.datasource);
    for (const f of sheet.filters ?? []) {
      const inst = instanceName({ column: f.column, agg: "none" }, fieldOf(ds, f.column).datatype);
      controls.push({ mode: f.mode, name, param: ref(ds.name, inst), "type-v2": "filter" });
    }
  }
  const controlHeight = 10000;
  controls.forEach((c, i) => {
    root.ele("zone", { ...c, h: String(controlHeight), id: String(id++), w: String(100000 - right), x: String(right), y: String(i * controlHeight) });
  });
  d.ele("simple-id", { uuid: simpleId("dashboard", dashboard.name) });
}

function sheetOf(spec: WorkbookSpec, name: string): SheetSpec {
  const sheet = spec.sheets.find((s) => s.name === name);
  if (!sheet) throw new Error(`no worksheet ${name}`);
  return sheet;
}

function dashboardOf(spec: WorkbookSpec, sheet: string): string {
  const d = spec.dashboards.find((x) => x.sheets.includes(sheet));
  if (!d) throw new Error(`worksheet ${sheet} is on no dashboard`);
  return d.name;
}

/** Tableau's `tsl:` link of a filter action: the target and, per target data source, the field set from the mark. */
function drillDownLink(spec: WorkbookSpec, targets: DataSourceSpec[]): string {
  const column = spec.drillDown.column;
  const fields = targets.map((ds) => `${encodeURIComponent(ref(ds.name, column))}~s0=<[${column}]~na>`);
  return `tsl:${encodeURIComponent(spec.drillDown.target)}?${fields.join("&")}`;
}

function writeActions(parent: XMLBuilder, spec: WorkbookSpec): void {
  const actions = parent.ele("actions");
  const target = spec.dashboards.find((d) => d.name === spec.drillDown.target);
  if (!target) throw new Error(`no dashboard ${spec.drillDown.target}`);
  const targets = [...new Set(target.sheets.map((s) => sheetOf(spec, s).datasource))].map((n) => datasourceOf(spec, n));
  let n = 1;
  for (const sheet of spec.sheets.filter((s) => s.drillDown)) {
    const caption = `Show Profile (from ${sheet.name})`;
    const a = actions.ele("action", { caption, name: `[Action${n++}]` });
    a.ele("activation", { "auto-clear": "true", type: "on-select" });
    a.ele("source", { dashboard: dashboardOf(spec, sheet.name), type: "sheet", worksheet: sheet.name });
    a.ele("link", {
      caption,
      delimiter: ",",
      escape: "\\",
      expression: drillDownLink(spec, targets),
      "include-null": "true",
      "multi-select": "true",
      "url-escape": "true",
    });
    const command = a.ele("command", { command: "tsc:tsl-filter" });
    command.ele("param", { name: "target", value: spec.drillDown.target });
  }
  const profile = sheetOf(spec, spec.urlActions.sheet);
  for (const u of spec.urlActions.actions) {
    const a = actions.ele("action", { caption: u.caption, name: `[Action${n++}]` });
    a.ele("activation", { type: u.toPoster ? "on-select" : "explicit" });
    a.ele("source", { dashboard: dashboardOf(spec, profile.name), type: "sheet", worksheet: profile.name });
    const link = a.ele("link", { caption: u.caption, expression: `<[${u.column}]~na>`, "url-escape": "false" });
    link.ele("url-action-type").txt(u.toPoster ? "specific-zone" : "browser");
    if (u.toPoster) link.ele("url-action-target").txt("Poster");
  }
  // The drill-down's field in each target data source (as Desktop writes it after the actions).
  const sources = actions.ele("datasources");
  for (const ds of targets) sources.ele("datasource", { caption: ds.caption, name: ds.name });
  for (const ds of targets) {
    const deps = actions.ele("datasource-dependencies", { datasource: ds.name });
    declareColumn(deps, fieldOf(ds, spec.drillDown.column));
  }
}

function writeSharedViews(parent: XMLBuilder, spec: WorkbookSpec): void {
  const shared = parent.ele("shared-views");
  for (const ds of spec.datasources.filter((d) => d.yearFilter)) {
    const v = shared.ele("shared-view", { name: ds.name });
    v.ele("datasources").ele("datasource", { caption: ds.caption, name: ds.name });
    const use: FieldUse = { column: "release_year", agg: "none", continuous: true };
    const deps = v.ele("datasource-dependencies", { datasource: ds.name });
    declareColumn(deps, fieldOf(ds, "release_year"));
    const inst = instanceName(use, "integer");
    deps.ele("column-instance", { column: "[release_year]", derivation: "None", name: bracket(inst), pivot: "key", type: "quantitative" });
    // A context filter, as In Selection: the Top N of Top-Rated Series is computed over the years kept.
    v.ele("filter", { class: "quantitative", column: ref(ds.name, inst), context: "true", "included-values": "all" });
  }
}

function writeWindows(parent: XMLBuilder, spec: WorkbookSpec): void {
  const windows = parent.ele("windows", { "source-height": "30" });
  for (const sheet of spec.sheets) {
    const w = windows.ele("window", { class: "worksheet", hidden: "true", name: sheet.name });
    const cards = w.ele("cards");
    const strip = cards.ele("edge", { name: "left" }).ele("strip", { size: "160" });
    for (const type of ["pages", "filters", "marks"]) strip.ele("card", { type });
    const top = cards.ele("edge", { name: "top" });
    top.ele("strip", { size: "2147483647" }).ele("card", { type: "columns" });
    top.ele("strip", { size: "2147483647" }).ele("card", { type: "rows" });
    w.ele("viewpoint").ele("zoom", { type: "entire-view" });
    w.ele("simple-id", { uuid: simpleId("window", sheet.name) });
  }
  spec.dashboards.forEach((d, i) => {
    const w = windows.ele("window", { class: "dashboard", ...(i === 0 ? { maximized: "true" } : {}), name: d.name });
    const vps = w.ele("viewpoints");
    for (const s of d.sheets) vps.ele("viewpoint", { name: s }).ele("zoom", { type: "entire-view" });
    w.ele("active", { id: "-1" });
    w.ele("simple-id", { uuid: simpleId("window", d.name) });
  });
}

/**
 * The workbook as `.twb` text for a connection. Pure: the same description and connection always give the same
 * bytes (ids are derived from names), so the committed workbook can be compared with a fresh one.
 */
export function writeWorkbook(spec: WorkbookSpec, connection: TableauConnection): string {
  const doc = create({ version: "1.0", encoding: "utf-8" });
  // No double hyphen in an XML comment, hence no "--out" here.
  doc.com(
    ` tv-harvester's Tableau workbook (docs/tableau.md), written by the command \`tv-harvester tableau\`; needs Tableau Desktop ${WORKBOOK_FORMAT.minimumDesktop} or newer. Edit only the connection's server, port, database and username; the password is asked when the workbook opens. `,
  );
  const wb = doc.ele("workbook", {
    "original-version": WORKBOOK_FORMAT.version,
    "source-build": WORKBOOK_FORMAT.sourceBuild,
    "source-platform": "win",
    version: WORKBOOK_FORMAT.version,
    "xmlns:user": USER_NS,
  });
  wb.ele("preferences");
  const dss = wb.ele("datasources");
  writeParameters(dss, spec);
  const connectionName = `postgres.${connection.dbname.replaceAll(/[^A-Za-z0-9_]/g, "_")}`;
  for (const ds of spec.datasources) writeDatasource(dss, ds, connection, connectionName);
  writeSharedViews(wb, spec);
  writeActions(wb, spec);
  const worksheets = wb.ele("worksheets");
  for (const sheet of spec.sheets) writeWorksheet(worksheets, spec, sheet);
  const dashboards = wb.ele("dashboards");
  for (const d of spec.dashboards) writeDashboard(dashboards, spec, d);
  writeWindows(wb, spec);
  return doc.end({ prettyPrint: true, indent: "  " }) + "\n";
}
