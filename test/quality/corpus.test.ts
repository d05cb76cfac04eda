/**
 * Every corpus body goes through the boundary exactly as the pipeline does it — JSON parse, the source's
 * shape schema, the pure mapper, the domain rules — into a real Quarantine on a real database: each bad
 * input is quarantined with its reason, the valid ones load, nothing throws.
 */
import { pino } from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import type { RecordIssue } from "../../src/domain.js";
import { HarvesterMetrics } from "../../src/metrics/metrics.js";
import { Quarantine } from "../../src/load/quarantine.js";
import { checkRating, checkSeries } from "../../src/quality/rules.js";
import { issuesFromZod, nonJsonBodyIssue, primaryReason } from "../../src/validation/issues.js";
import { SecretScrubber } from "../../src/secrets.js";
import { classifyOmdbAnswer, toOmdbRatings } from "../../src/sources/omdb/omdb.js";
import { seriesDetailsSchema } from "../../src/sources/tmdb/schemas.js";
import { toSeriesRecord, toTmdbRating } from "../../src/sources/tmdb/tmdb.js";
import { useTestDatabase } from "../helpers/db.js";
import { CORPUS_GENRES, loadCorpus, type CorpusEntry } from "./corpus.js";

const knownGenreIds = new Set(CORPUS_GENRES.map((g) => g.id));
const currentYear = 2026;

/** JSON.parse, or the issue to quarantine under (as the pipeline classifies bodies it cannot use). */
function parseBody(text: string): { ok: true; json: unknown } | { ok: false; issue: RecordIssue } {
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch {
    return { ok: false, issue: nonJsonBodyIssue(text) };
  }
}

/** The boundary for one entry; returns what loads. */
function admit(entry: CorpusEntry, q: Quarantine): string[] {
  const loads: string[] = [];
  const body = parseBody(entry.text);
  if (entry.source === "tmdb_series") {
    const key = `tv/${entry.seriesId}`;
    if (!body.ok) {
      q.drift({ endpoint: "tmdb_series", upstreamKey: key, issues: [body.issue], payload: entry.text });
      return loads;
    }
    const shape = seriesDetailsSchema.safeParse(body.json);
    if (!shape.success) {
      q.drift({ endpoint: "tmdb_series", upstreamKey: key, issues: issuesFromZod(shape.error), payload: body.json });
      return loads;
    }
    const verdict = checkSeries(toSeriesRecord(shape.data), { knownGenreIds, currentYear });
    if (!verdict.ok) {
      q.reject({ endpoint: "tmdb_series", upstreamKey: key, reason: primaryReason(verdict.issues), issues: verdict.issues, payload: body.json });
      return loads;
    }
    q.flag({ endpoint: "tmdb_series", upstreamKey: key, issues: verdict.flags, payload: body.json });
    loads.push("series");
    const observation = toTmdbRating(shape.data);
    if (observation) {
      const rating = checkRating(observation);
      if (rating.ok) {
        q.flag({ endpoint: "tmdb_series", upstreamKey: key, issues: rating.flags, payload: body.json });
        loads.push("tmdb");
      } else {
        q.reject({ endpoint: "tmdb_series", upstreamKey: key, reason: primaryReason(rating.issues), issues: rating.issues, payload: body.json });
      }
    }
    return loads;
  }
  const key = entry.imdbId;
  if (!body.ok) {
    q.drift({ endpoint: "omdb", upstreamKey: key, issues: [body.issue], payload: entry.text });
    return loads;
  }
  const answer = classifyOmdbAnswer(200, body.json);
  if (answer.kind === "invalid") {
    q.drift({ endpoint: "omdb", upstreamKey: key, issues: answer.issues, payload: body.json });
    return loads;
  }
  if (answer.kind !== "found") throw new Error(`corpus entry ${entry.file} is not a title answer: ${answer.kind}`);
  const mapped = toOmdbRatings(entry.seriesId, answer.title);
  if (mapped.issues.length > 0) {
    q.reject({ endpoint: "omdb", upstreamKey: key, reason: primaryReason(mapped.issues), issues: mapped.issues, payload: body.json });
  }
  for (const observation of mapped.observations) {
    const rating = checkRating(observation);
    if (rating.ok) {
      q.flag({ endpoint: "omdb", upstreamKey: key, issues: rating.flags, payload: body.json });
      loads.push(observation.source);
    } else {
      q.reject({ endpoint: "omdb", upstreamKey: key, reason: primaryReason(rating.issues), issues: rating.issues, payload: body.json });
    }
  }
  return loads;
}

const corpus = loadCorpus();

describe("bad-input corpus", () => {
  const t = useTestDatabase();
  let runId: number;
  const loaded = new Map<string, string[]>();

  beforeAll(async () => {
    runId = (await t.prisma.harvestRun.create({ data: { trigger: "test" } })).id;
    const q = new Quarantine({
      prisma: t.prisma,
      runId,
      scrubber: new SecretScrubber([]),
      metrics: new HarvesterMetrics(),
      logger: pino({ level: "silent" }),
    });
    for (const entry of corpus) loaded.set(entry.file, admit(entry, q));
    await q.flush();
  });

  it("holds at least 40 bad inputs of every required kind", () => {
    const bad = corpus.filter((e) => e.reason !== null && e.kind !== "flagged");
    expect(bad.length).toBeGreaterThanOrEqual(40);
    const reasons = new Set(bad.map((e) => e.reason));
    for (const r of [
      "out_of_range",
      "not_a_number",
      "not_an_integer",
      "schema_mismatch",
      "unknown_genre",
      "invalid_id",
      "invalid_date",
      "invalid_json",
      "not_json",
      "missing_field",
    ]) {
      expect(reasons, r).toContain(r);
    }
  });

  it.each(corpus.map((e) => [e.file, e] as const))("%s", async (_file, entry) => {
    const key = entry.source === "omdb" ? entry.imdbId : `tv/${entry.seriesId}`;
    const rows = await t.prisma.quarantineRecord.findMany({ where: { runId, source: entry.source, upstreamKey: key } });
    if (entry.reason === null) {
      expect(rows).toEqual([]);
    } else {
      expect(rows.map((r) => [r.kind, r.reason])).toContainEqual([entry.kind, entry.reason]);
      // the body is kept for diagnosis
      for (const row of rows) expect(row.payload).not.toBeNull();
    }
    expect([...(loaded.get(entry.file) ?? [])].sort()).toEqual([...entry.loads].sort());
  });
});
