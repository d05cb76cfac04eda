import { describe, expect, it } from "vitest";
import { insertUpstreamAnswers, readUpstreamAnswers } from "../../src/load/upstream-answers.js";
import { useTestDatabase } from "../helpers/db.js";

describe("insertUpstreamAnswers", () => {
  const t = useTestDatabase();

  it("stores each answer as it was given (JSON payloads, null as SQL NULL, body text) and skips keys already stored", async () => {
    const [run] = await t.db.query<{ run_id: number }>(`INSERT INTO harvest_run (trigger) VALUES ('test') RETURNING run_id`);
    const runId = run!.run_id;
    const details = { id: 1396, name: 'Breaking "Bad"\n', seasons: [{ season_number: 1, air_date: null }], ratio: 8.9, ok: true };
    const inserted = await insertUpstreamAnswers(t.prisma, runId, [
      { upstream: "tmdb", requestKey: "tv/1396", httpStatus: 200, payload: details, bodyText: null },
      { upstream: "omdb", requestKey: "i=tt0903747", httpStatus: 502, payload: null, bodyText: "<html>Bad gateway</html>" },
      { upstream: "tmdb", requestKey: "tv/1396", httpStatus: 200, payload: { id: 0 }, bodyText: null },
      {
        upstream: "tmdb",
        requestKey: "tv/1",
        httpStatus: 200,
        payload: { id: 1, name: "x" },
        bodyText: null,
        payloadJson: ' {"id": 1, "name": "x"} ',
      },
    ]);
    expect(inserted).toBe(3);
    expect(
      await insertUpstreamAnswers(t.prisma, runId, [{ upstream: "omdb", requestKey: "i=tt0903747", httpStatus: 200, payload: {}, bodyText: null }]),
    ).toBe(0);

    const stored = await readUpstreamAnswers(t.prisma, runId);
    expect(stored.sort((a, b) => a.requestKey.localeCompare(b.requestKey))).toEqual([
      { upstream: "omdb", requestKey: "i=tt0903747", httpStatus: 502, payload: null, bodyText: "<html>Bad gateway</html>" },
      { upstream: "tmdb", requestKey: "tv/1", httpStatus: 200, payload: { id: 1, name: "x" }, bodyText: null },
      { upstream: "tmdb", requestKey: "tv/1396", httpStatus: 200, payload: details, bodyText: null },
    ]);
    const [nulls] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM upstream_answer WHERE run_id = $1 AND payload IS NULL`, [runId]);
    expect(nulls!.n).toBe(1);
  });
});
