/**
 * `upstream_answer`: the fetched answers of a harvest run (secrets already removed by the caller), keyed by
 * (run, upstream, request key). Read whole when a run is resumed; written in batches by
 * {@link UpstreamAnswerWriter}, one statement per batch.
 */
import type { PrismaClient } from "../db/prisma.js";

/** One stored answer. `payload` is the parsed JSON body (or a page's parse result), null when not JSON. */
export interface UpstreamAnswerRow {
  upstream: string;
  requestKey: string;
  httpStatus: number;
  payload: unknown;
  bodyText: string | null;
  /**
   * `payload` as JSON text, when the caller has it (an answer's own body): written as it is instead of being
   * encoded again. Must be the JSON of `payload`.
   */
  payloadJson?: string;
}

/** Every answer stored for `runId` so far (one query; used when a run is resumed). */
export async function readUpstreamAnswers(prisma: PrismaClient, runId: number): Promise<UpstreamAnswerRow[]> {
  return prisma.upstreamAnswer.findMany({
    where: { runId },
    select: { upstream: true, requestKey: true, httpStatus: true, payload: true, bodyText: true },
  });
}

/** Options of {@link UpstreamAnswerWriter}. */
export interface UpstreamAnswerWriterOptions {
  /** Rows per statement; a full batch is written at once (default 100). */
  batchSize?: number;
  /**
   * Milliseconds a row may wait in the buffer before the batch is written anyway (default 250), so a slow
   * stage (the sites at 1 request a second) loses at most this much to a SIGKILL, not a whole batch.
   */
  maxDelayMs?: number;
}

/**
 * A write-behind buffer of answers: {@link add} queues a row, a batch is written when it is full or has
 * waited `maxDelayMs`, and {@link flush} writes the rest (the pipeline calls it at every stage end and
 * before the run ends). A row lost to a crash before its batch was written is simply fetched again on
 * resume. Duplicates (same run, upstream, key) are skipped.
 */
export class UpstreamAnswerWriter {
  private buffer: UpstreamAnswerRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly batchSize: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly runId: number,
    options: UpstreamAnswerWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 250;
  }

  /**
   * Queues one row. Never waits for the database, except when a full batch is due: then it waits for that
   * write, which keeps the buffer bounded when the database is slower than the upstreams.
   * @throws the error of an earlier batch write (the run cannot be resumed reliably without it)
   */
  async add(row: UpstreamAnswerRow): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.buffer.push(row);
    if (this.buffer.length >= this.batchSize) {
      await this.startWrite();
      return;
    }
    this.timer ??= setTimeout(() => void this.startWrite().catch(() => undefined), this.maxDelayMs);
    this.timer.unref();
  }

  /** Rows queued and not written yet. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Writes every queued row and waits for writes in progress.
   * @throws the database error of any batch that failed
   */
  async flush(): Promise<void> {
    await this.startWrite();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Takes the buffer as one batch and chains its write after the previous one (writes never overlap). */
  private startWrite(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(async () => {
        try {
          await insertUpstreamAnswers(this.prisma, this.runId, batch);
        } catch (error) {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        }
      });
    }
    return this.writing;
  }
}

/**
 * Inserts `rows` for `runId` in one statement, the batch as one JSON parameter (`jsonb_to_recordset`): Prisma's
 * `createMany` binds every value as its own parameter and re-encodes each payload, which made the answer writes the
 * harvest's largest CPU and allocation cost (BENCHMARKS.md). A payload of null (or a non-JSON value, which
 * `JSON.stringify` turns into null) is stored as SQL NULL. Rows already stored (same run, upstream, key) are skipped.
 * @returns the rows inserted
 */
export async function insertUpstreamAnswers(prisma: PrismaClient, runId: number, rows: readonly UpstreamAnswerRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  // Built as text so that a payload given as JSON text (payloadJson) is spliced in, not parsed and encoded again.
  const json = `[${rows
    .map((r) => {
      const fields = JSON.stringify({ u: r.upstream, k: r.requestKey, s: r.httpStatus, t: r.bodyText });
      return `${fields.slice(0, -1)},"p":${r.payloadJson ?? JSON.stringify(r.payload ?? null) ?? "null"}}`;
    })
    .join(",")}]`;
  return prisma.$executeRaw`
    INSERT INTO upstream_answer (run_id, upstream, request_key, http_status, payload, body_text)
    SELECT ${runId}, x.u, x.k, x.s, NULLIF(x.p, 'null'::jsonb), x.t
    FROM jsonb_to_recordset(${json}::jsonb) AS x(u text, k text, s int, p jsonb, t text)
    ON CONFLICT (run_id, upstream, request_key) DO NOTHING`;
}
