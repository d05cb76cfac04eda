/**
 * The one printer of text tables for people (the run summary, `check`, the demo's rows, `export`'s list, the exit
 * codes in `--help`): cli-table3 with its borders drawn as nothing, so a table is plain columns two spaces apart,
 * with a heading row and a rule of dashes under it when the columns have headings. Machines get JSON, never these.
 */
import Table from "cli-table3";

/** One column of a {@link formatTable} table. */
export interface TableColumn {
  /** The heading; give every column one, or none for a table without a heading row. */
  heading?: string;
  /** Where a cell sits in its column (default left). */
  align?: "left" | "right";
  /** The widest a cell may be, in characters; a longer cell is cut and ends in "…". Default: the widest cell. */
  maxWidth?: number;
}

/** Borders as nothing but the two spaces between columns, and dashes under the heading row. */
const PLAIN = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "-",
  "mid-mid": "  ",
  right: "",
  "right-mid": "",
  middle: "  ",
} as const;

/**
 * Renders `rows` in `columns` as text lines (no trailing spaces, no final newline), each line after `indent` spaces.
 * A row with fewer cells than columns is padded with empty cells; an empty `rows` gives the heading alone.
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly (string | number)[])[], indent = 0): string {
  const headed = columns.some((column) => column.heading !== undefined);
  const widest = (i: number) => Math.max((columns[i]?.heading ?? "").length, ...rows.map((row) => String(row[i] ?? "").length), 1);
  const table = new Table({
    ...(headed ? { head: columns.map((column) => column.heading ?? "") } : {}),
    chars: PLAIN,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
    colAligns: columns.map((column) => column.align ?? "left"),
    // cli-table3 counts the "…" in a cut cell's width, so a capped column is exactly maxWidth wide.
    colWidths: columns.map((column, i) => (column.maxWidth === undefined ? null : Math.min(column.maxWidth, widest(i)))),
    wordWrap: false,
  });
  for (const row of rows) table.push(columns.map((_, i) => String(row[i] ?? "")));
  const pad = " ".repeat(indent);
  return table
    .toString()
    .split("\n")
    .map((line) => `${pad}${line}`.trimEnd())
    .join("\n");
}
