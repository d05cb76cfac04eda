/**
 * docs/tableau.md names only what exists: every view and function of schema analytics it mentions, and every
 * column in the rows of its view tables (sections 5 and 11: a row starts with `analytics.<view>`; a backticked
 * name in it is a column of that view, `view.column` one of another view), in the migrated database.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.js";

const DOC = readFileSync(path.resolve(import.meta.dirname, "../../docs/tableau.md"), "utf8");
const fixture = useTestDatabase();
const columns = new Map<string, Set<string>>();
const functions = new Set<string>();

beforeAll(async () => {
  const rows = await fixture.db.query<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'analytics'",
  );
  for (const r of rows) columns.set(r.table_name, (columns.get(r.table_name) ?? new Set()).add(r.column_name));
  const fns = await fixture.db.query<{ proname: string }>("SELECT proname FROM pg_proc WHERE pronamespace = 'analytics'::regnamespace");
  for (const f of fns) functions.add(f.proname);
});

/** Rows of the doc's tables whose first cell names an analytics view: the view and the backticked names of the other cells. */
function viewRows(): { view: string; names: string[] }[] {
  const rows: { view: string; names: string[] }[] = [];
  for (const line of DOC.split("\n")) {
    const cells = line.split("|").slice(1, -1);
    const first = /^\s*`analytics\.([a-z_]+)`\s*$/.exec(cells[0] ?? "");
    if (!first?.[1]) continue;
    const names = cells.slice(1).flatMap((c) => [...c.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ""));
    rows.push({ view: first[1], names });
  }
  return rows;
}

describe("docs/tableau.md", () => {
  it("every analytics view or function it names exists", () => {
    const named = new Set([...DOC.matchAll(/`analytics\.([a-z_]+)/g)].map((m) => m[1] ?? ""));
    expect(named.size).toBeGreaterThan(25);
    for (const name of named) expect(columns.has(name) || functions.has(name), `analytics.${name}`).toBe(true);
  });

  it("every column the view tables name is a column of that view", () => {
    const rows = viewRows();
    expect(rows.length).toBeGreaterThanOrEqual(30);
    let checked = 0;
    for (const { view, names } of rows) {
      expect(columns.has(view), `analytics.${view}`).toBe(true);
      for (const name of names) {
        const other = /^analytics\.([a-z_]+)$/.exec(name);
        if (other?.[1]) {
          expect(columns.has(other[1]), name).toBe(true);
          continue;
        }
        const qualified = /^([a-z_]+)\.([a-z_0-9]+)$/.exec(name);
        if (qualified?.[1] && qualified[2]) {
          expect(columns.get(qualified[1])?.has(qualified[2]), name).toBe(true);
          checked++;
          continue;
        }
        // Environment variables, values and patterns (`SCRAPE_…`, `(All)`, `…_rated_at`) are not column names.
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) continue;
        expect(columns.get(view)?.has(name), `analytics.${view}.${name}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it("names the minimum Tableau Desktop version and the document format", () => {
    expect(DOC).toContain("Tableau Desktop 2020.1 or newer");
    expect(DOC).toContain("version='18.1'");
  });
});
