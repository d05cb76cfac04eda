import { describe, expect, it } from "vitest";
import { changesRequest, changesWindow, parseChangesPage } from "../../src/sources/tmdb/changes.js";

describe("TMDB /tv/changes", () => {
  const now = new Date("2026-12-01T03:00:00Z");

  it("is incremental from the last successful run's start day to today, within 14 days", () => {
    expect(changesWindow(new Date("2026-11-24T03:00:00Z"), now)).toEqual({ kind: "incremental", startDate: "2026-11-24", endDate: "2026-12-01" });
    expect(changesWindow(new Date("2026-11-18T23:59:00Z"), now)).toEqual({ kind: "incremental", startDate: "2026-11-18", endDate: "2026-12-01" });
  });

  it("is full with no previous run, a gap of 14 days or more, or when forced", () => {
    expect(changesWindow(null, now)).toEqual({ kind: "full", reason: "no_previous_run" });
    expect(changesWindow(new Date("2026-11-17T03:00:00Z"), now)).toEqual({ kind: "full", reason: "gap_too_long" });
    expect(changesWindow(new Date("2026-11-30T03:00:00Z"), now, true)).toEqual({ kind: "full", reason: "forced" });
  });

  it("describes a page request with the window in its key", () => {
    expect(changesRequest({ startDate: "2026-11-24", endDate: "2026-12-01" }, 2)).toEqual({
      key: "tv/changes?start_date=2026-11-24&end_date=2026-12-01&page=2",
      path: "/tv/changes",
      params: { start_date: "2026-11-24", end_date: "2026-12-01", page: 2 },
    });
  });

  it("parses a page of ids and rejects a drifted one", () => {
    expect(
      parseChangesPage({
        results: [
          { id: 1396, adult: false },
          { id: 66732, adult: null },
        ],
        page: 1,
        total_pages: 3,
        total_results: 250,
      }),
    ).toEqual({ ok: true, ids: [1396, 66732], totalPages: 3 });
    expect(parseChangesPage({ results: [{ id: "1396" }], page: 1, total_pages: 1 }).ok).toBe(false);
    expect(parseChangesPage({ status_code: 20, status_message: "Invalid date range" }).ok).toBe(false);
  });
});
