/**
 * The TMDB stages alone, with fakes: listing pages in a bounded window, details checked and quarantined,
 * at most `concurrency` series in flight, and no new request after the signal aborted.
 */
import { describe, expect, it } from "vitest";
import { DEMO_CATALOGUE } from "../../../src/demo/catalogue.js";
import { tmdbDetails, tmdbListEntry } from "../../../src/replay/dataset.js";
import { fetchDetails } from "../../../src/pipeline/stages/fetch-details.js";
import { listSeries } from "../../../src/pipeline/stages/list-series.js";
import { fakeClient, memoryAnswers, quiet, recordingQuarantine } from "./fakes.js";

const seeds = DEMO_CATALOGUE.slice(0, 12);
const genreIds = new Set(seeds.flatMap((s) => s.genreIds));
const now = () => new Date("2026-11-21T12:00:00Z");

function tmdb(delayMs = 1) {
  return fakeClient(
    "tmdb",
    (path, params) => {
      if (path === "/tv/top_rated") {
        const page = Number(params?.page);
        const results = seeds.slice((page - 1) * 4, page * 4).map(tmdbListEntry);
        // Page 2 carries one entry of the wrong shape; page 3 repeats a series of page 1.
        if (page === 2) results.push({ id: "x" });
        if (page === 3) results.push(tmdbListEntry(seeds[0]!));
        return { body: { page, results, total_pages: 3, total_results: 12 } };
      }
      const id = Number(/^\/tv\/(\d+)$/.exec(path)?.[1]);
      if (id === seeds[1]!.tmdbId) return { status: 404, body: { status_code: 34 } };
      if (id === seeds[2]!.tmdbId) return { body: "<html>oops</html>" };
      const seed = seeds.find((s) => s.tmdbId === id);
      const details = seed ? tmdbDetails(seed) : {};
      return { body: id === seeds[3]!.tmdbId ? { ...details, genres: [{ id: 999_999, name: "Unknown" }] } : details };
    },
    delayMs,
  );
}

describe("listSeries", () => {
  it("lists unique ids in listing order from every page, rejecting a malformed entry alone", async () => {
    const client = tmdb();
    const { answers, written } = memoryAnswers();
    const quarantine = recordingQuarantine();
    const listing = await listSeries({ ...quiet, tmdb: client, answers, quarantine, concurrency: 2 }, { maxPages: null });
    // The malformed entry is counted as rejected (listed = loaded + lost + gone + rejected); no page was lost.
    expect(listing).toEqual({ seriesIds: seeds.map((s) => s.tmdbId), pages: 3, totalPages: 3, entriesRejected: 1, entriesLost: 0 });
    expect(quarantine.rejected.map((e) => e.upstreamKey)).toEqual(["tv/top_rated?page=2#4"]);
    expect(written.map((w) => w.requestKey)).toEqual(expect.arrayContaining(["tv/top_rated?page=1", "tv/top_rated?page=2", "tv/top_rated?page=3"]));
  });

  it("stops at maxPages and asks again for nothing kept from an earlier attempt", async () => {
    const client = tmdb();
    const earlier = memoryAnswers();
    await listSeries({ ...quiet, tmdb: client, answers: earlier.answers, quarantine: recordingQuarantine(), concurrency: 2 }, { maxPages: 2 });
    expect(client.requests).toHaveLength(2);
    const again = memoryAnswers(earlier.written);
    const listing = await listSeries(
      { ...quiet, tmdb: client, answers: again.answers, quarantine: recordingQuarantine(), concurrency: 2 },
      { maxPages: 2 },
    );
    expect(listing.seriesIds).toEqual(seeds.slice(0, 8).map((s) => s.tmdbId));
    expect(client.requests).toHaveLength(2);
    expect(again.answers.reused).toBe(2);
  });
});

describe("fetchDetails", () => {
  const ids = seeds.map((s) => s.tmdbId);

  it("returns the series that pass their checks in listing order, with their TMDB ratings; the rest are quarantined", async () => {
    const client = tmdb();
    const { answers } = memoryAnswers();
    const quarantine = recordingQuarantine();
    const out = await fetchDetails(
      { ...quiet, tmdb: client, answers, quarantine, now, concurrency: 3, watchRegions: ["US"] },
      { seriesIds: ids, knownGenreIds: genreIds },
    );
    const skipped = new Set([seeds[1]!.tmdbId, seeds[2]!.tmdbId, seeds[3]!.tmdbId]);
    expect(out.series.map((s) => s.id)).toEqual(ids.filter((id) => !skipped.has(id)));
    expect(out.tmdbRatings.map((r) => r.seriesId).sort()).toEqual(out.series.map((s) => s.id).sort());
    expect(quarantine.drifted.map((e) => e.upstreamKey)).toEqual([`tv/${seeds[2]!.tmdbId}`]);
    expect(quarantine.rejected.map((e) => [e.upstreamKey, e.issues[0]?.reason])).toEqual([[`tv/${seeds[3]!.tmdbId}`, "unknown_genre"]]);
  });

  it("hands each checked series with its listing index to onSeries instead of returning it", async () => {
    const taken: [number, number][] = [];
    const out = await fetchDetails(
      {
        ...quiet,
        tmdb: tmdb(),
        answers: memoryAnswers().answers,
        quarantine: recordingQuarantine(),
        now,
        concurrency: 3,
        watchRegions: ["US"],
        onSeries: async (series, index) => {
          taken.push([index, series.id]);
        },
      },
      { seriesIds: ids, knownGenreIds: genreIds },
    );
    const skipped = new Set([seeds[1]!.tmdbId, seeds[2]!.tmdbId, seeds[3]!.tmdbId]);
    expect(out.series).toEqual([]);
    expect(taken.sort((a, b) => a[0] - b[0])).toEqual(ids.map((id, i): [number, number] => [i, id]).filter(([, id]) => !skipped.has(id)));
    expect(out.tmdbRatings).toHaveLength(taken.length);
  });

  it("keeps at most `concurrency` series in flight", async () => {
    const client = tmdb(5);
    await fetchDetails(
      { ...quiet, tmdb: client, answers: memoryAnswers().answers, quarantine: recordingQuarantine(), now, concurrency: 3, watchRegions: ["US"] },
      { seriesIds: ids, knownGenreIds: genreIds },
    );
    expect(client.requests).toHaveLength(ids.length);
    expect(client.maxInFlight).toBe(3);
  });

  it("starts no request after its signal aborted, and lets those in flight finish", async () => {
    const controller = new AbortController();
    const base = tmdb(5);
    const client = {
      ...base,
      get: async (...args: Parameters<typeof base.get>) => {
        // Abort while the fifth request is in flight.
        if (base.requests.length === 4) controller.abort();
        return base.get(...args);
      },
    };
    const { answers, written } = memoryAnswers();
    const out = await fetchDetails(
      { ...quiet, tmdb: client, answers, quarantine: recordingQuarantine(), now, concurrency: 2, watchRegions: ["US"], signal: controller.signal },
      { seriesIds: ids, knownGenreIds: genreIds },
    );
    expect(base.requests).toHaveLength(5);
    expect(written).toHaveLength(5);
    expect(out.series.length).toBeLessThan(5);
  });
});
