import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { MAX_TEXT_PAYLOAD_CHARS, Quarantine } from "../../src/load/quarantine.js";
import { SecretScrubber } from "../../src/secrets.js";
import { useTestDatabase } from "../helpers/db.js";

const SECRET = "omdb-key-5f3a9c";
const logger = pino({ level: "silent" });

const t = useTestDatabase();
let runId: number;
beforeEach(async () => {
  runId = (await t.prisma.harvestRun.create({ data: { trigger: "test" } })).id;
});

function quarantineFor(metrics = new HarvesterMetrics()) {
  return new Quarantine({ prisma: t.prisma, runId, scrubber: new SecretScrubber([SECRET]), metrics, logger });
}

async function metricValue(metrics: HarvesterMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

describe("Quarantine", () => {
  it("buffers until flush, then stores rows of each kind with issues and reason", async () => {
    const metrics = new HarvesterMetrics();
    const q = quarantineFor(metrics);
    q.reject({
      endpoint: "omdb",
      upstreamKey: "tt0903747",
      reason: "out_of_range",
      issues: [{ path: "score", message: "imdb score 11.2 is outside its scale 1–10", reason: "out_of_range" }],
      payload: { imdbRating: "11.2", imdbID: "tt0903747" },
    });
    q.drift({
      endpoint: "tmdb_top_rated",
      upstreamKey: "tv/top_rated?page=3",
      issues: [{ path: "results", message: "expected array", reason: "schema_mismatch" }],
      payload: { page: 3 },
    });
    q.flag({
      endpoint: "tmdb_series",
      upstreamKey: "tv/1396",
      issues: [{ path: "voteCount", message: "score without a count", reason: "inconsistent" }],
      payload: { id: 1396 },
    });
    q.flag({ endpoint: "tmdb_series", upstreamKey: "tv/1397", issues: [], payload: { id: 1397 } });
    expect(q.pending).toBe(3);
    expect(await t.prisma.quarantineRecord.count({ where: { runId } })).toBe(0);

    await q.flush();
    expect(q.pending).toBe(0);
    const rows = await t.prisma.quarantineRecord.findMany({ where: { runId }, orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.source, r.upstreamKey, r.kind, r.reason])).toEqual([
      ["omdb", "tt0903747", "rejected", "out_of_range"],
      ["tmdb_top_rated", "tv/top_rated?page=3", "schema_drift", "schema_mismatch"],
      ["tmdb_series", "tv/1396", "flagged", "inconsistent"],
    ]);
    expect(rows[0]?.issues).toEqual([{ path: "score", message: "imdb score 11.2 is outside its scale 1–10", reason: "out_of_range" }]);
    expect(rows[0]?.payload).toEqual({ imdbRating: "11.2", imdbID: "tt0903747" });

    expect(await metricValue(metrics, "tv_harvester_quarantined_records_total", { source: "omdb", reason: "out_of_range" })).toBe(1);
    expect(await metricValue(metrics, "tv_harvester_schema_drift_total", { source: "tmdb_top_rated" })).toBe(1);
    // flags are not "quarantined records" (they were loaded)
    expect(await metricValue(metrics, "tv_harvester_quarantined_records_total", { source: "tmdb_series" })).toBe(0);

    expect(await q.counts()).toEqual([
      { source: "omdb", kind: "rejected", reason: "out_of_range", count: 1 },
      { source: "tmdb_series", kind: "flagged", reason: "inconsistent", count: 1 },
      { source: "tmdb_top_rated", kind: "schema_drift", reason: "schema_mismatch", count: 1 },
    ]);
  });

  it("removes secrets from payloads, keys and messages, and keeps text payloads as {text} cut at 2000 characters", async () => {
    const q = quarantineFor();
    const html = `<html><body>Bad gateway for /?apikey=${SECRET}&i=tt1</body></html>${"x".repeat(3000)}`;
    q.drift({
      endpoint: "omdb",
      upstreamKey: `i=tt1&apikey=${SECRET}`,
      issues: [{ path: "", message: `not JSON (key ${SECRET})`, reason: "not_json" }],
      payload: html,
    });
    q.reject({
      endpoint: "omdb",
      upstreamKey: "tt2",
      reason: "invalid_json",
      issues: [{ path: "", message: "truncated", reason: "invalid_json" }],
      payload: '{"Title":"Harbor Lights","imdbRat',
    });
    q.reject({
      endpoint: "tmdb_series",
      upstreamKey: "tv/3",
      reason: "schema_mismatch",
      issues: [{ path: "", message: "odd values", reason: "schema_mismatch" }],
      payload: { nested: [{ [SECRET]: `token ${SECRET}` }], big: 10n, when: new Date("2026-01-02T03:04:05Z"), gone: undefined, nan: Number.NaN },
    });
    await q.flush();
    const rows = await t.prisma.quarantineRecord.findMany({ where: { runId }, orderBy: { id: "asc" } });
    expect(JSON.stringify(rows.map((r) => [r.upstreamKey, r.issues, r.payload]))).not.toContain(SECRET);
    const expectedText = html.replaceAll(SECRET, "[REDACTED]");
    expect(rows[0]?.payload).toEqual({ text: expectedText.slice(0, MAX_TEXT_PAYLOAD_CHARS), length: expectedText.length });
    expect(JSON.stringify(rows[0]?.payload)).toContain("apikey=[REDACTED]");
    expect(rows[0]?.upstreamKey).toBe("i=tt1&apikey=[REDACTED]");
    expect(rows[1]?.payload).toEqual({ text: '{"Title":"Harbor Lights","imdbRat' });
    expect(rows[2]?.payload).toEqual({
      nested: [{ "[REDACTED]": "token [REDACTED]" }],
      big: "10",
      when: "2026-01-02T03:04:05.000Z",
      nan: null,
    });
  });

  it("is idempotent across attempts of the same run (resume) and within one instance", async () => {
    const issue = { path: "score", message: "out of range", reason: "out_of_range" as const };
    const first = quarantineFor();
    first.reject({ endpoint: "omdb", upstreamKey: "tt1", reason: "out_of_range", issues: [issue], payload: { a: 1 } });
    first.reject({ endpoint: "omdb", upstreamKey: "tt2", reason: "out_of_range", issues: [issue], payload: { a: 2 } });
    await first.flush();

    // The resumed attempt quarantines tt1 again (twice, the same finding) plus a new flag for it.
    const resumed = quarantineFor();
    resumed.reject({ endpoint: "omdb", upstreamKey: "tt1", reason: "out_of_range", issues: [issue], payload: { a: 1 } });
    resumed.reject({ endpoint: "omdb", upstreamKey: "tt1", reason: "out_of_range", issues: [issue], payload: { a: 1 } });
    await resumed.flush();
    resumed.flag({
      endpoint: "omdb",
      upstreamKey: "tt1",
      issues: [{ path: "voteCount", message: "score without a count", reason: "inconsistent" }],
      payload: {},
    });
    await resumed.flush(); // a second flush of the same key must not delete the first flush's row

    const rows = await t.prisma.quarantineRecord.findMany({ where: { runId }, orderBy: [{ upstreamKey: "asc" }, { kind: "asc" }] });
    expect(rows.map((r) => [r.upstreamKey, r.kind])).toEqual([
      ["tt1", "flagged"],
      ["tt1", "rejected"],
      ["tt2", "rejected"],
    ]);
  });

  it("keeps other runs' rows and keeps the buffer when the write fails", async () => {
    const other = (await t.prisma.harvestRun.create({ data: { trigger: "test" } })).id;
    await t.prisma.quarantineRecord.create({ data: { runId: other, source: "omdb", upstreamKey: "tt1", reason: "out_of_range", issues: [] } });
    const q = quarantineFor();
    q.reject({
      endpoint: "omdb",
      upstreamKey: "tt1",
      reason: "not_a_number",
      issues: [{ path: "imdbRating", message: "x", reason: "not_a_number" }],
      payload: null,
    });
    await q.flush();
    expect(await t.prisma.quarantineRecord.count({ where: { runId: other } })).toBe(1);

    const missingRun = new Quarantine({
      prisma: t.prisma,
      runId: 999_999,
      scrubber: new SecretScrubber([]),
      metrics: new HarvesterMetrics(),
      logger,
    });
    missingRun.reject({ endpoint: "omdb", upstreamKey: "tt9", reason: "not_a_number", issues: [], payload: null });
    await expect(missingRun.flush()).rejects.toThrow();
    expect(missingRun.pending).toBe(1);
  });
});
