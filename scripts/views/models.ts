/**
 * Views as code: every view (and the SQL functions they call) is one file under `prisma/views/`, and the migrations
 * that change the database are derived from the files (`npm run views:migration -- <name>`, scripts/views/migration.ts).
 *
 * Layout, dbt-style: `prisma/views/<N>_<layer>/<schema>.<name>.sql`, e.g. `4_marts/analytics.series_ratings.sql`.
 * Files apply in the order of their paths (layer first; an optional `<digits>_` before the schema orders files
 * within a layer), so a model can read only models that come before it: this order is the dependency order.
 * - A view file holds the view's SELECT only (comments above it are kept in the migration); the view is named by
 *   the file.
 * - A function file (layer `1_functions`) holds the whole `CREATE OR REPLACE FUNCTION` statement of the function
 *   the file names, and may add statements about it (a REVOKE).
 *
 * The rows of `rating_source_dim` are data the views read (scales, minimum votes): src/rating-sources.json defines
 * them, and the plan upserts rows that differ from it.
 *
 * {@link planViewMigration} compares the database's views and functions (`pg_get_viewdef`, the column names and
 * types, `pg_get_functiondef`) with what the files create, and lists what a migration must drop and create so that
 * they are equal; {@link renderViewMigration} writes that migration's SQL.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { RATING_SOURCE_DEFINITIONS, type RatingSourceDefinition } from "../../src/domain.js";
import { CONTRACT_VIEWS, regrantContractViewsSql } from "../../src/ops/reader-role.js";

/** The project's view files. */
export const VIEWS_DIR = fileURLToPath(new URL("../../prisma/views", import.meta.url));

/** The layer of function files; every other layer holds views. */
export const FUNCTIONS_LAYER = "1_functions";

/** One file of `prisma/views/`. */
export interface ViewModel {
  kind: "view" | "function";
  /** Schema-qualified name, e.g. `analytics.series_ratings`. */
  name: string;
  schema: string;
  /** The layer directory, e.g. `4_marts`. */
  layer: string;
  /** Path relative to the views directory, e.g. `4_marts/analytics.series_ratings.sql`. */
  file: string;
  /** The file's SQL, trailing whitespace and semicolon removed. */
  sql: string;
}

const LAYER_PATTERN = /^\d+_[a-z_]+$/;
const FILE_PATTERN = /^(?:\d+_)?([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)\.sql$/;

/**
 * Reads the view files of `dir` in the order they apply (by path).
 * @throws Error naming the file when a directory or file name does not follow the layout, when a name is defined
 *   twice, or when a view file holds a statement rather than a SELECT.
 */
export function readViewModels(dir: string = VIEWS_DIR): ViewModel[] {
  const models: ViewModel[] = [];
  const layers = readdirSync(dir)
    .filter((entry) => statSync(path.join(dir, entry)).isDirectory())
    .sort();
  for (const layer of layers) {
    if (!LAYER_PATTERN.test(layer)) throw new Error(`prisma/views/${layer}: a layer directory is named <number>_<layer>, e.g. 4_marts`);
    for (const entry of readdirSync(path.join(dir, layer)).sort()) {
      const file = `${layer}/${entry}`;
      const match = FILE_PATTERN.exec(entry);
      if (!match) throw new Error(`prisma/views/${file}: a model file is named [<number>_]<schema>.<name>.sql, in lower case`);
      const schema = match[1]!;
      const kind = layer === FUNCTIONS_LAYER ? "function" : "view";
      const sql = readFileSync(path.join(dir, file), "utf8").trimEnd().replace(/;$/, "").trimEnd();
      if (kind === "view" && /^\s*create\s/im.test(stripComments(sql))) {
        throw new Error(`prisma/views/${file}: a view file holds the view's SELECT only (the file names the view)`);
      }
      models.push({ kind, name: `${schema}.${match[2]!}`, schema, layer, file, sql });
    }
  }
  const seen = new Map<string, string>();
  for (const model of models) {
    const key = `${model.kind} ${model.name}`;
    const other = seen.get(key);
    if (other) throw new Error(`${model.kind} ${model.name} is defined twice: prisma/views/${other} and prisma/views/${model.file}`);
    seen.set(key, model.file);
  }
  return models;
}

function stripComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, "");
}

/** The SQL that creates a model: `CREATE VIEW <name> AS <select>` or the function file's statements. */
export function createStatement(model: ViewModel): string {
  if (model.kind === "function") return `${model.sql};`;
  // The file's leading comment lines (its documentation) go above the statement.
  const lines = model.sql.split("\n");
  const body = lines.findIndex((line) => !/^\s*(--.*)?$/.test(line));
  const head = body < 0 ? [] : lines.slice(0, body);
  return [...head, `CREATE VIEW ${model.name} AS`, ...lines.slice(Math.max(body, 0))].join("\n") + ";";
}

/** A view as the database holds it. */
export interface CatalogView {
  name: string;
  /** `pg_get_viewdef`, whitespace collapsed. */
  definition: string;
  /** `<column> <type>` in column order. */
  columns: string[];
  /** Views and functions (schema-qualified names) the view reads. */
  reads: string[];
}

/** A function as the database holds it: `pg_get_functiondef` of every overload, whitespace collapsed. */
export interface CatalogFunction {
  name: string;
  definition: string;
  /** `name(identity arguments)` of each overload, for DROP FUNCTION. */
  signatures: string[];
}

/** The views and functions of a database, outside PostgreSQL's own schemas and extensions. */
export interface Catalog {
  views: Map<string, CatalogView>;
  functions: Map<string, CatalogFunction>;
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'`;

function normalise(sql: string): string {
  return sql.replace(/\s+/g, " ").trim();
}

/** Reads the views and functions of the database `client` is connected to. */
export async function readCatalog(client: pg.ClientBase): Promise<Catalog> {
  const views = await client.query<{ name: string; definition: string; columns: string[] | null }>(
    `SELECT n.nspname || '.' || c.relname AS name, pg_get_viewdef(c.oid, true) AS definition,
            (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'v' AND ${USER_SCHEMAS}`,
  );
  const reads = await client.query<{ name: string; reads: string }>(
    `SELECT DISTINCT vn.nspname || '.' || v.relname AS name,
            CASE WHEN d.refclassid = 'pg_class'::regclass THEN (SELECT rn.nspname || '.' || r.relname FROM pg_class r
                   JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = d.refobjid AND r.relkind = 'v')
                 ELSE (SELECT pn.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace pn ON pn.oid = p.pronamespace
                   WHERE p.oid = d.refobjid AND pn.nspname NOT IN ('pg_catalog', 'information_schema')) END AS reads
     FROM pg_rewrite rw
     JOIN pg_class v ON v.oid = rw.ev_class AND v.relkind = 'v'
     JOIN pg_namespace vn ON vn.oid = v.relnamespace
     JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid
       AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass) AND d.refobjid <> v.oid`,
  );
  const functions = await client.query<{ name: string; definition: string; signature: string }>(
    `SELECT n.nspname || '.' || p.proname AS name, pg_get_functiondef(p.oid) AS definition,
            n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE ${USER_SCHEMAS} AND p.prokind IN ('f', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
     ORDER BY 3`,
  );
  const catalog: Catalog = { views: new Map(), functions: new Map() };
  for (const row of views.rows) {
    catalog.views.set(row.name, { name: row.name, definition: normalise(row.definition), columns: row.columns ?? [], reads: [] });
  }
  for (const row of reads.rows) {
    if (row.reads !== null) catalog.views.get(row.name)?.reads.push(row.reads);
  }
  for (const view of catalog.views.values()) view.reads.sort();
  for (const row of functions.rows) {
    const fn = catalog.functions.get(row.name);
    if (fn) {
      fn.definition += `\n${normalise(row.definition)}`;
      fn.signatures.push(row.signature);
    } else {
      catalog.functions.set(row.name, { name: row.name, definition: normalise(row.definition), signatures: [row.signature] });
    }
  }
  return catalog;
}

/**
 * What the files create, read from the database itself: inside a transaction that is always rolled back, every
 * view and every function of the catalog is dropped and the files are applied in order, so a model that reads one
 * not before it fails like any other bad SQL.
 * @throws Error naming the file whose SQL fails.
 */
export async function readDesiredCatalog(client: pg.ClientBase, models: ViewModel[], current: Catalog): Promise<Catalog> {
  await client.query("BEGIN");
  try {
    for (const name of current.views.keys()) await client.query(`DROP VIEW IF EXISTS ${name} CASCADE`);
    for (const fn of current.functions.values()) {
      for (const signature of fn.signatures) await client.query(`DROP FUNCTION IF EXISTS ${signature} CASCADE`);
    }
    for (const schema of new Set(models.map((m) => m.schema))) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const model of models) {
      try {
        await client.query(createStatement(model));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`prisma/views/${model.file}: ${message}`, { cause: error });
      }
    }
    return await readCatalog(client);
  } finally {
    await client.query("ROLLBACK");
  }
}

/** The difference between the database and the files, and what a migration does about it. */
export interface ViewPlan {
  /** Views whose definition or columns differ from their file's. */
  changedViews: string[];
  /** Views with a file and not in the database. */
  addedViews: string[];
  /** Views in the database without a file. */
  removedViews: string[];
  changedFunctions: string[];
  addedFunctions: string[];
  removedFunctions: string[];
  /** Views that read a changed or removed model, recreated unchanged. */
  dependants: string[];
  /** DROP statements, dependants first. */
  drops: string[];
  /** Models to create, in file order. */
  creates: ViewModel[];
  /** Rating sources whose row differs from src/rating-sources.json, or is missing. */
  changedRatingSources: string[];
  /** Rows of rating_source_dim that the file does not define. */
  removedRatingSources: string[];
  /** INSERT … ON CONFLICT DO UPDATE / DELETE statements for rating_source_dim. */
  ratingSourceStatements: string[];
}

/** True when the database matches the files. */
export function isEmptyPlan(plan: ViewPlan): boolean {
  return plan.drops.length === 0 && plan.creates.length === 0 && plan.ratingSourceStatements.length === 0;
}

const RATING_SOURCE_COLUMNS = ["source_key", "name", "provider", "scale_min", "scale_max", "count_unit", "min_votes"] as const;

/** The rows of rating_source_dim, numbers as numbers. */
export async function readRatingSources(client: pg.ClientBase): Promise<RatingSourceDefinition[]> {
  const { rows } = await client.query<RatingSourceDefinition>(
    `SELECT source_key, name, provider, scale_min::float8 AS scale_min, scale_max::float8 AS scale_max, count_unit, min_votes
     FROM rating_source_dim ORDER BY source_key`,
  );
  return rows;
}

/** Statements that make rating_source_dim hold exactly `defined` (pure). */
export function diffRatingSources(
  current: readonly RatingSourceDefinition[],
  defined: readonly RatingSourceDefinition[],
): Pick<ViewPlan, "changedRatingSources" | "removedRatingSources" | "ratingSourceStatements"> {
  const byKey = new Map(current.map((row) => [row.source_key, row]));
  const changed = defined.filter((d) => {
    const row = byKey.get(d.source_key);
    return !row || RATING_SOURCE_COLUMNS.some((column) => row[column] !== d[column]);
  });
  const removed = current.filter((row) => !defined.some((d) => d.source_key === row.source_key)).map((row) => row.source_key);
  const literal = (value: string | number) => (typeof value === "number" ? String(value) : pg.escapeLiteral(value));
  const statements = changed.map(
    (d) =>
      `INSERT INTO rating_source_dim (${RATING_SOURCE_COLUMNS.join(", ")}) VALUES (${RATING_SOURCE_COLUMNS.map((c) => literal(d[c])).join(", ")})\n` +
      `  ON CONFLICT (source_key) DO UPDATE SET ${RATING_SOURCE_COLUMNS.slice(1)
        .map((c) => `${c} = EXCLUDED.${c}`)
        .join(", ")};`,
  );
  // A source with facts cannot go (the foreign key refuses): the migration fails rather than lose them.
  for (const key of removed) statements.push(`DELETE FROM rating_source_dim WHERE source_key = ${literal(key)};`);
  return { changedRatingSources: changed.map((d) => d.source_key), removedRatingSources: removed, ratingSourceStatements: statements };
}

/**
 * Compares the database `client` is connected to (migrations applied) with the files.
 * @throws Error from {@link readDesiredCatalog}.
 */
export async function planViewMigration(
  client: pg.ClientBase,
  models: ViewModel[],
  ratingSources: readonly RatingSourceDefinition[] = RATING_SOURCE_DEFINITIONS,
): Promise<ViewPlan> {
  const current = await readCatalog(client);
  const desired = await readDesiredCatalog(client, models, current);
  return { ...diffCatalogs(current, desired, models), ...diffRatingSources(await readRatingSources(client), ratingSources) };
}

/** The plan that turns `current` into `desired` (pure). */
export function diffCatalogs(
  current: Catalog,
  desired: Catalog,
  models: ViewModel[],
): Omit<ViewPlan, "changedRatingSources" | "removedRatingSources" | "ratingSourceStatements"> {
  const differs = (a: CatalogView, b: CatalogView) => a.definition !== b.definition || a.columns.join(",") !== b.columns.join(",");
  const changedViews = [...desired.views.values()]
    .filter((v) => current.views.has(v.name) && differs(current.views.get(v.name)!, v))
    .map((v) => v.name);
  const addedViews = [...desired.views.keys()].filter((name) => !current.views.has(name));
  const removedViews = [...current.views.keys()].filter((name) => !desired.views.has(name));
  const changedFunctions = [...desired.functions.values()]
    .filter((f) => current.functions.has(f.name) && current.functions.get(f.name)!.definition !== f.definition)
    .map((f) => f.name);
  const addedFunctions = [...desired.functions.keys()].filter((name) => !current.functions.has(name));
  const removedFunctions = [...current.functions.keys()].filter((name) => !desired.functions.has(name));

  // Views that read what is dropped must be dropped first and created again, transitively.
  const gone = new Set([...changedViews, ...removedViews, ...changedFunctions, ...removedFunctions]);
  const dropped = new Set([...changedViews, ...removedViews]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const view of current.views.values()) {
      if (!dropped.has(view.name) && view.reads.some((read) => gone.has(read))) {
        dropped.add(view.name);
        gone.add(view.name);
        grew = true;
      }
    }
  }
  const dependants = [...dropped].filter((name) => !changedViews.includes(name) && !removedViews.includes(name));

  const drops = dropOrder(current, dropped).map((name) => `DROP VIEW ${name};`);
  for (const name of [...changedFunctions, ...removedFunctions]) {
    for (const signature of current.functions.get(name)!.signatures) drops.push(`DROP FUNCTION ${signature};`);
  }
  const recreate = new Set([...dropped, ...addedViews].filter((name) => desired.views.has(name)));
  const creates = models.filter((model) =>
    model.kind === "view" ? recreate.has(model.name) : changedFunctions.includes(model.name) || addedFunctions.includes(model.name),
  );
  return {
    changedViews,
    addedViews,
    removedViews,
    changedFunctions,
    addedFunctions,
    removedFunctions,
    dependants: dependants.sort(),
    drops,
    creates,
  };
}

/** The views of `names` in an order in which each comes before every view it reads (so: dependants first). */
function dropOrder(catalog: Catalog, names: Set<string>): string[] {
  const order: string[] = [];
  const visited = new Set<string>();
  // Depth-first: a view is listed after everything that reads it.
  const readers = (name: string) => [...names].filter((other) => catalog.views.get(other)?.reads.includes(name));
  const visit = (name: string) => {
    if (visited.has(name)) return;
    visited.add(name);
    for (const reader of readers(name).sort()) visit(reader);
    order.push(name);
  };
  for (const name of [...names].sort()) visit(name);
  return order;
}

/** The SQL of the migration that carries out `plan`, with a header saying what it does and where it comes from. */
export function renderViewMigration(plan: ViewPlan, command: string): string {
  const list = (label: string, names: string[]) => (names.length > 0 ? [`--   ${label}: ${names.join(", ")}`] : []);
  const lines = [
    `-- Generated from prisma/views/ by \`${command}\`: edit the files and generate a new migration, never this one.`,
    ...list("changed views", plan.changedViews),
    ...list("new views", plan.addedViews),
    ...list("removed views", plan.removedViews),
    ...list("changed functions", plan.changedFunctions),
    ...list("new functions", plan.addedFunctions),
    ...list("removed functions", plan.removedFunctions),
    ...list("recreated unchanged (they read a changed model)", plan.dependants),
    ...list("rating sources set from src/rating-sources.json", plan.changedRatingSources),
    ...list("rating sources removed", plan.removedRatingSources),
    "",
  ];
  if (plan.drops.length > 0) lines.push(...plan.drops, "");
  if (plan.ratingSourceStatements.length > 0) lines.push(...plan.ratingSourceStatements, "");
  const schemas = [...new Set(plan.creates.map((model) => model.schema))].filter((schema) => schema !== "public").sort();
  for (const schema of schemas) lines.push(`CREATE SCHEMA IF NOT EXISTS ${schema};`);
  if (schemas.length > 0) lines.push("");
  for (const model of plan.creates) lines.push(`-- prisma/views/${model.file}`, createStatement(model), "");
  // Grants go with a dropped view; the reader roles' default privileges cover analytics and monitoring, not the
  // contract views of schema public (src/ops/reader-role.ts).
  const contract: readonly string[] = CONTRACT_VIEWS;
  if (plan.creates.some((model) => model.kind === "view" && contract.includes(model.name))) lines.push(regrantContractViewsSql(), "");
  return `${lines.join("\n").trimEnd()}\n`;
}
