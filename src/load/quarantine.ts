/**
 * The quarantine: records that failed their boundary rules, whole responses of the wrong shape, and
 * records loaded but flagged as suspicious — stored in the `quarantine` table per harvest run, so that every
 * rejection can be explained (source, upstream key, failing paths and messages, the payload without
 * secrets) while the run goes on.
 *
 * Three kinds (the `kind` column):
 * - `rejected`: one record not loaded (a series whose genre is unknown, an OMDb body with `imdbRating:
 *   "11.2"`, an HTML page where JSON was expected);
 * - `schema_drift`: a whole response that failed its schema — the upstream changed shape; counted per
 *   source in `tv_harvester_schema_drift_total`;
 * - `flagged`: loaded, but suspicious (a score without any count).
 *
 * Rows are buffered and written by {@link Quarantine.flush} (one transaction, `createMany`). A resumed run
 * processes some records again: before its first write of a (source, upstream key), a `Quarantine` deletes
 * the rows that an earlier attempt of the same run stored for it, so each record is quarantined once per
 * run whatever the number of attempts.
 */
import type { Logger } from "pino";
import type { PrismaClient } from "../db/prisma.js";
import type { QuarantineReason, UpstreamEndpoint, RecordIssue } from "../domain.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { HarvesterMetrics } from "../metrics/metrics.js";
import type { SecretScrubber } from "../secrets.js";
import { primaryReason } from "../validation/issues.js";

/** The `kind` column of a quarantine row. */
export type QuarantineKind = "rejected" | "schema_drift" | "flagged";

/** Longest text payload kept (characters); an HTML error page or truncated JSON body is cut here. */
export const MAX_TEXT_PAYLOAD_CHARS = 2000;

/**
 * Longest JSON payload kept whole (characters of its JSON text); a larger one is kept as an excerpt of its text
 * with its length, so that no row holds more than a bounded excerpt of an answer (a 100 MB answer was once
 * copied whole into a row, and several times on the way there).
 */
export const MAX_JSON_PAYLOAD_CHARS = 100_000;

/** Issues kept per row; the rest are counted in one last issue. */
export const MAX_ISSUES_PER_ROW = 50;

/** Dependencies of a {@link Quarantine}. */
export interface QuarantineDeps {
  prisma: PrismaClient;
  /** The harvest run the rows belong to (`harvest_run.run_id`). */
  runId: number;
  /** Removes secrets from payloads and issue messages before they are stored. */
  scrubber: SecretScrubber;
  metrics: HarvesterMetrics;
  logger: Logger;
}

/** A record (or response) handed to the quarantine. */
export interface QuarantineEntry {
  /** The upstream endpoint the record came from (stored in the `source` column). */
  endpoint: UpstreamEndpoint;
  /** Stable key of the record upstream, without credentials: `tv/1396`, `tt0903747`, `tv/top_rated?page=3`. */
  upstreamKey: string;
  issues: RecordIssue[];
  /**
   * The offending payload: a parsed JSON value, or the body text when it was not JSON (stored as
   * `{text}` with the first {@link MAX_TEXT_PAYLOAD_CHARS} characters). Secrets are removed before storing.
   */
  payload: unknown;
}

/** Number of quarantine rows of a run per source, kind and reason (for the harvest summary). */
export interface QuarantineCount {
  source: string;
  kind: QuarantineKind;
  reason: string;
  count: number;
}

interface BufferedRow {
  source: UpstreamEndpoint;
  upstreamKey: string;
  kind: QuarantineKind;
  reason: QuarantineReason;
  issues: RecordIssue[];
  payload: Prisma.InputJsonValue | null;
}

/** Collects a run's quarantined records and writes them to the `quarantine` table. Not thread-safe across processes; one per run. */
export class Quarantine {
  private buffer: BufferedRow[] = [];
  /** `source \0 upstreamKey` already written by this instance: an earlier attempt's rows were replaced. */
  private readonly written = new Set<string>();
  /** Fingerprints of rows already taken by this instance, so the same finding is not stored twice. */
  private readonly seen = new Set<string>();

  constructor(private readonly deps: QuarantineDeps) {}

  /**
   * A record not loaded. `reason` is the row's reason and metric label (usually `primaryReason(issues)`).
   * Buffered until {@link flush}.
   */
  reject(entry: QuarantineEntry & { reason: QuarantineReason }): void {
    this.add("rejected", entry.reason, entry);
    this.deps.logger.warn(
      { source: entry.endpoint, upstreamKey: entry.upstreamKey, reason: entry.reason, issues: this.scrubIssues(entry.issues.slice(0, 3)) },
      "record quarantined",
    );
  }

  /**
   * A whole response of the wrong shape (schema drift: the upstream changed its format). The reason is
   * `reason` when given, else the first issue's reason. Buffered until {@link flush}.
   */
  drift(entry: QuarantineEntry & { reason?: QuarantineReason }): void {
    this.add("schema_drift", entry.reason ?? primaryReason(entry.issues), entry);
    this.deps.logger.warn(
      { source: entry.endpoint, upstreamKey: entry.upstreamKey, issues: this.scrubIssues(entry.issues.slice(0, 3)) },
      "schema drift: response does not match its schema",
    );
  }

  /** A record loaded, but suspicious (its flags from a {@link Verdict}). Buffered until {@link flush}. */
  flag(entry: QuarantineEntry): void {
    if (entry.issues.length === 0) return;
    this.add("flagged", primaryReason(entry.issues), entry);
    this.deps.logger.debug({ source: entry.endpoint, upstreamKey: entry.upstreamKey, issues: this.scrubIssues(entry.issues) }, "record flagged");
  }

  /** Rows buffered and not yet written. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Writes the buffered rows in one transaction: first deletes the rows an earlier attempt of this run
   * stored for the same (source, upstream key) — only for keys this instance has not written yet — then
   * inserts. Afterwards counts rejects in `tv_harvester_quarantined_records_total{source,reason}` and
   * drifts in `tv_harvester_schema_drift_total{source}`. On a database error the buffer is kept (the error
   * propagates) so a later flush can retry.
   */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    const { prisma, runId } = this.deps;
    const freshKeysBySource = new Map<UpstreamEndpoint, Set<string>>();
    for (const row of rows) {
      if (this.written.has(keyOf(row))) continue;
      const keys = freshKeysBySource.get(row.source) ?? new Set<string>();
      keys.add(row.upstreamKey);
      freshKeysBySource.set(row.source, keys);
    }
    const deletes = [...freshKeysBySource].map(([source, keys]) =>
      prisma.quarantineRecord.deleteMany({ where: { runId, source, upstreamKey: { in: [...keys] } } }),
    );
    const insert = prisma.quarantineRecord.createMany({
      data: rows.map((row) => ({
        runId,
        source: row.source,
        upstreamKey: row.upstreamKey,
        kind: row.kind,
        reason: row.reason,
        issues: row.issues.map((i) => ({ path: i.path, message: i.message, reason: i.reason })),
        payload: row.payload ?? undefined,
      })),
    });
    await prisma.$transaction([...deletes, insert]);
    this.buffer = [];
    for (const row of rows) {
      this.written.add(keyOf(row));
      if (row.kind === "rejected") this.deps.metrics.quarantined.inc({ source: row.source, reason: row.reason });
      if (row.kind === "schema_drift") this.deps.metrics.schemaDrift.inc({ source: row.source });
    }
  }

  /**
   * Flushes, then counts this run's quarantine rows per source, kind and reason — including rows of
   * earlier attempts of a resumed run. Sorted by source, kind, reason.
   */
  async counts(): Promise<QuarantineCount[]> {
    await this.flush();
    const groups = await this.deps.prisma.quarantineRecord.groupBy({
      by: ["source", "kind", "reason"],
      where: { runId: this.deps.runId },
      _count: { _all: true },
      orderBy: [{ source: "asc" }, { kind: "asc" }, { reason: "asc" }],
    });
    return groups.map((g) => ({ source: g.source, kind: toKind(g.kind), reason: g.reason, count: g._count._all }));
  }

  private add(kind: QuarantineKind, reason: QuarantineReason, entry: QuarantineEntry): void {
    const issues = this.scrubIssues(boundedIssues(entry.issues));
    const upstreamKey = this.deps.scrubber.scrubText(entry.upstreamKey);
    const fingerprint = JSON.stringify([entry.endpoint, upstreamKey, kind, reason, issues]);
    if (this.seen.has(fingerprint)) return;
    this.seen.add(fingerprint);
    this.buffer.push({
      source: entry.endpoint,
      upstreamKey,
      kind,
      reason,
      issues,
      payload: storablePayload(entry.payload, this.deps.scrubber),
    });
  }

  private scrubIssues(issues: RecordIssue[]): RecordIssue[] {
    const s = this.deps.scrubber;
    return issues.map((i) => ({ path: s.scrubText(i.path), message: s.scrubText(i.message), reason: i.reason }));
  }
}

function keyOf(row: { source: string; upstreamKey: string }): string {
  return `${row.source}\u0000${row.upstreamKey}`;
}

function toKind(kind: string): QuarantineKind {
  return kind === "schema_drift" || kind === "flagged" ? kind : "rejected";
}

/**
 * The payload as stored: text → `{text}` (first {@link MAX_TEXT_PAYLOAD_CHARS} characters, plus `length`
 * when cut); JSON values with secrets removed; undefined → null (no payload). Values JSON cannot hold are
 * converted (bigint → string, Date → ISO string) or dropped (functions, undefined members).
 */
export function storablePayload(payload: unknown, scrubber: SecretScrubber): Prisma.InputJsonValue | null {
  if (payload === undefined || payload === null) return null;
  if (typeof payload === "string") {
    const text = scrubber.scrubText(payload);
    return text.length > MAX_TEXT_PAYLOAD_CHARS ? { text: text.slice(0, MAX_TEXT_PAYLOAD_CHARS), length: text.length } : { text };
  }
  const normalized = normalize(payload);
  const text = JSON.stringify(normalized) ?? "null";
  if (text.length > MAX_JSON_PAYLOAD_CHARS) {
    // Scrubbed a little past the cut, so that a secret straddling it is not left half visible.
    return { excerpt: scrubber.scrubText(text.slice(0, MAX_JSON_PAYLOAD_CHARS + 512)).slice(0, MAX_JSON_PAYLOAD_CHARS), length: text.length };
  }
  return toJson(scrubber.scrubJson(normalized));
}

/** The first {@link MAX_ISSUES_PER_ROW} issues, and one saying how many more there were. */
function boundedIssues(issues: RecordIssue[]): RecordIssue[] {
  const first = issues[0];
  if (issues.length <= MAX_ISSUES_PER_ROW || first === undefined) return issues;
  const more = issues.length - MAX_ISSUES_PER_ROW;
  return [...issues.slice(0, MAX_ISSUES_PER_ROW), { path: "", message: `${more} more issues not kept`, reason: first.reason }];
}

/** Turns values JSON cannot hold into ones it can, before scrubbing (scrubJson only walks plain data). */
function normalize(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
    return out;
  }
  return value;
}

function toJson(value: unknown): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((v) => toJson(v));
  if (typeof value === "object") {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out[k] = toJson(v);
    }
    return out;
  }
  return null;
}
