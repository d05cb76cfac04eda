import { describe, expect, it } from "vitest";
import { forEachBounded } from "../../src/concurrency.js";
import { UpstreamAnswerWriter } from "../../src/load/upstream-answers.js";
import { requestsBetween, toSummary, type RunView } from "../../src/pipeline/run-state.js";
import { useTestDatabase } from "../helpers/db.js";

describe("toSummary", () => {
  const end = {
    finishedAt: new Date("2026-11-21T12:00:10Z"),
    durationSeconds: 10.12345,
    quarantine: [
      { source: "tmdb_series", kind: "rejected" as const, reason: "unknown_genre", count: 2 },
      { source: "omdb", kind: "rejected" as const, reason: "out_of_range", count: 1 },
      { source: "tmdb_series", kind: "schema_drift" as const, reason: "not_json", count: 1 },
      { source: "omdb", kind: "flagged" as const, reason: "inconsistent", count: 4 },
    ],
    requests: {},
  };

  const view = (over: Partial<RunView> = {}): RunView => ({
    run: { runId: 7, resumed: true, startedAt: new Date("2026-11-21T12:00:00Z") },
    status: "succeeded",
    results: {},
    plan: null,
    stepSeconds: {},
    phaseSeconds: {},
    reusedAnswers: 0,
    rowsWritten: {},
    ...over,
  });

  it("sums the quarantine per kind, rounds the duration and leaves `error` out unless the run has one", () => {
    const state = view({ reusedAnswers: 3 });
    const summary = toSummary(state, end);
    expect(summary).toMatchObject({
      runId: 7,
      status: "succeeded",
      resumed: true,
      startedAt: "2026-11-21T12:00:00.000Z",
      finishedAt: "2026-11-21T12:00:10.000Z",
      durationSeconds: 10.123,
      reusedFromStage: 3,
      quarantine: { rejected: 3, schemaDrift: 1, flagged: 4 },
    });
    expect("error" in summary).toBe(false);
    expect(toSummary({ ...state, status: "failed", error: "boom" }, end)).toMatchObject({ status: "failed", error: "boom" });
  });

  it("takes the facts and series loaded from the stored counts of every attempt over the last attempt's", () => {
    // The last attempt wrote 10 IMDb facts and loaded 40 series; the killed one had written TMDB's 40 facts.
    const state = view({ rowsWritten: { rating_fact: 10, series_dim: 0 } });
    const stored = { factsBySource: { tmdb: 40, imdb: 40 }, facts: 80, seriesLoaded: 40 };
    expect(toSummary(state, { ...end, stored })).toMatchObject({
      ratingsBySource: { tmdb: 40, imdb: 40 },
      rowsWritten: { rating_fact: 80, series_dim: 0 },
      seriesLoaded: 40,
    });
    expect(toSummary(state, end)).toMatchObject({ ratingsBySource: {}, rowsWritten: { rating_fact: 10 } });
  });

  it("counts requests per upstream between two snapshots, leaving out upstreams without any", () => {
    const zero = { requests: 0, retries: 0, throttled: 0, failures: 0 };
    const before = new Map([
      ["tmdb" as const, { ...zero, requests: 5 }],
      ["omdb" as const, zero],
    ]);
    const after = new Map([
      ["tmdb" as const, { requests: 9, retries: 1, throttled: 2, failures: 0 }],
      ["omdb" as const, zero],
    ]);
    expect(requestsBetween(before, after)).toEqual({ tmdb: { requests: 4, retries: 1, throttled: 2, failures: 0 } });
  });
});

describe("forEachBounded", () => {
  const tick = () => new Promise((r) => setTimeout(r, 2));

  it("keeps at most `limit` calls in flight and handles every item", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      seen.push(n);
      inFlight -= 1;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("takes no item after the signal aborted or a call threw, and lets the calls in flight finish first", async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const finished: number[] = [];
    await forEachBounded(
      [1, 2, 3, 4, 5, 6],
      2,
      async (n) => {
        started.push(n);
        if (n === 3) controller.abort();
        await tick();
        finished.push(n);
      },
      controller.signal,
    );
    // 3 aborts as it starts: 2, still in flight, finishes, and nothing after 3 is taken.
    expect(started).toEqual([1, 2, 3]);
    expect(finished.sort()).toEqual([1, 2, 3]);

    const done: number[] = [];
    await expect(
      forEachBounded([1, 2, 3, 4], 2, async (n) => {
        await tick();
        if (n === 1) throw new Error("one failed");
        done.push(n);
      }),
    ).rejects.toThrow("one failed");
    expect(done).toEqual([2]);
  });
});

describe("UpstreamAnswerWriter", () => {
  const t = useTestDatabase();
  const row = (key: string) => ({ upstream: "tmdb", requestKey: key, httpStatus: 200, payload: { key }, bodyText: null });

  it("writes a batch when it is full, keeps the rest until flush, and skips duplicates", async () => {
    const [run] = await t.db.query<{ run_id: number }>(`INSERT INTO harvest_run (trigger) VALUES ('test') RETURNING run_id`);
    const writer = new UpstreamAnswerWriter(t.prisma, run!.run_id, { batchSize: 2, maxDelayMs: 60_000 });
    const stored = async () =>
      (await t.db.query<{ request_key: string }>(`SELECT request_key FROM upstream_answer ORDER BY request_key`)).map((r) => r.request_key);
    await writer.add(row("a"));
    expect(await stored()).toEqual([]);
    await writer.add(row("b"));
    expect(await stored()).toEqual(["a", "b"]);
    await writer.add(row("c"));
    await writer.add(row("a"));
    expect(writer.pending).toBe(0);
    await writer.add(row("d"));
    expect(writer.pending).toBe(1);
    await writer.flush();
    expect(await stored()).toEqual(["a", "b", "c", "d"]);
  });
});
