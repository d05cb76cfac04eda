/**
 * `staged_response`: the fetched answers of a harvest run (secrets already removed by the caller), keyed by
 * (run, upstream, request key). Read whole when a run is resumed; written in batches by
 * {@link StagedResponseWriter}, one statement per batch.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { Prisma } from "../generated/prisma/client.js";

/** One stored answer. `payload` is the parsed JSON body (or a page's parse result), null when not JSON. */
export interface StagedResponseRow {
  upstream: string;
  requestKey: string;
  httpStatus: number;
  payload: unknown;
  bodyText: string | null;
}

/** Every answer stored for `runId` so far (one query; used when a run is resumed). */
export async function readStagedResponses(prisma: PrismaClient, runId: number): Promise<StagedResponseRow[]> {
  return prisma.stagedResponse.findMany({
    where: { runId },
    select: { upstream: true, requestKey: true, httpStatus: true, payload: true, bodyText: true },
  });
}

/** Options of {@link StagedResponseWriter}. */
export interface StagedResponseWriterOptions {
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
export class StagedResponseWriter {
  private buffer: StagedResponseRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly batchSize: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly runId: number,
    options: StagedResponseWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 250;
  }

  /**
   * Queues one row. Never waits for the database, except when a full batch is due: then it waits for that
   * write, which keeps the buffer bounded when the database is slower than the upstreams.
   * @throws the error of an earlier batch write (the run cannot be resumed reliably without it)
   */
  async add(row: StagedResponseRow): Promise<void> {
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
          await this.prisma.stagedResponse.createMany({ data: batch.map((r) => this.toData(r)), skipDuplicates: true });
        } catch (error) {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        }
      });
    }
    return this.writing;
  }

  private toData(row: StagedResponseRow): Prisma.StagedResponseCreateManyInput {
    return {
      runId: this.runId,
      upstream: row.upstream,
      requestKey: row.requestKey,
      httpStatus: row.httpStatus,
      payload: toJsonInput(row.payload),
      bodyText: row.bodyText,
    };
  }
}

/** A parsed JSON value as Prisma's JSON input; undefined (SQL NULL) for null and for non-JSON values. */
function toJsonInput(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => toJsonInput(v) ?? null);
  if (typeof value === "object") {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonInput(v) ?? null;
    return out;
  }
  return undefined;
}
