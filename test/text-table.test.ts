import { describe, expect, it } from "vitest";
import { formatTable } from "../src/text-table.js";

describe("formatTable", () => {
  it("prints a heading row, a rule of dashes as wide as each column, and columns two spaces apart", () => {
    const text = formatTable(
      [{ heading: "check" }, { heading: "observed", align: "right" }, { heading: "passed" }],
      [
        ["not_null.imdb_rating", 0.2, "NO"],
        ["unique", "-", "yes"],
      ],
    );
    expect(text.split("\n")).toEqual([
      "check                 observed  passed",
      "--------------------  --------  ------",
      "not_null.imdb_rating       0.2  NO",
      "unique                       -  yes",
    ]);
  });

  it("without headings prints the rows alone, indented, with no trailing spaces", () => {
    const text = formatTable(
      [{}, { align: "right" }, {}],
      [
        ["series_ratings.parquet", 1234, "rows"],
        ["x.csv", 5, ""],
        ["", "", ""],
      ],
      2,
    );
    expect(text.split("\n")).toEqual(["  series_ratings.parquet  1234  rows", "  x.csv                      5", ""]);
  });

  it("cuts a cell longer than its column's maximum width, ending it in an ellipsis", () => {
    const text = formatTable(
      [{ heading: "title", maxWidth: 8 }, { heading: "year" }],
      [
        ["A very long title", 2020],
        ["Short", ""],
      ],
    );
    expect(text.split("\n")).toEqual(["title     year", "--------  ----", "A very …  2020", "Short"]);
  });
});
