/**
 * The run's fetched answers: every upstream answer of a run is kept in `staged_response` (secrets removed),
 * keyed by (run, upstream, request key), written in batches by the load module's writer. A resumed run
 * (`harvest --resume`) reads the answers it already has from there instead of asking the upstream again.
 *
 * (Named "answers", not "stage": a stage is a step of the pipeline, src/pipeline/stages/.)
 */
import type { PrismaClient } from "../db/prisma.js";
import type { QueryParams, RequestOptions, UpstreamClient } from "../http/client.js";
import { readStagedResponses, StagedResponseWriter, type StagedResponseRow, type StagedResponseWriterOptions } from "../load/staged-responses.js";
import type { SecretScrubber } from "../secrets.js";

/** Bodies longer than this are not kept as text (HTML pages are stored as their parse result instead). */
const MAX_BODY_TEXT = 20_000;

/**
 * An upstream answer as the pipeline sees it. `json` is the parsed body (undefined when the body was not
 * JSON: `text` then holds it, truncated); `reused` tells whether it came from an earlier attempt of the run.
 */
export interface FetchedAnswer {
  status: number;
  json: unknown;
  text: string | null;
  url: string;
  reused: boolean;
}

/**
 * An answer held in memory: those re-read on resume and results kept with {@link AnswerStore.put}. Answers
 * fetched during this attempt are written and forgotten (the pipeline has used them already; keeping them, or
 * even their keys, would make memory grow with the catalogue).
 */
interface KeptAnswer {
  status: number;
  payload: unknown;
  bodyText: string | null;
}

/** What {@link AnswerStore.fetch} accepts beyond the client's request options. */
export type FetchAnswerOptions = RequestOptions & {
  /** Whether an answer is kept for a resume (default: every answer that reached the caller). */
  shouldKeep?: (status: number, json: unknown) => boolean;
};

/** Where an {@link AnswerStore} writes its answers (the batched `staged_response` writer, or a test's fake). */
export type AnswerWriter = Pick<StagedResponseWriter, "add" | "flush">;

/** Per-run store of fetched upstream answers. Create with {@link AnswerStore.open}; {@link flush} before the run ends. */
export class AnswerStore {
  /** Answers served from an earlier attempt of this run instead of being asked again. */
  reused = 0;
  /** Answers fetched and written in this attempt (not held in memory). */
  private written = 0;

  private constructor(
    readonly runId: number,
    private readonly scrubber: SecretScrubber,
    private readonly answers: Map<string, KeptAnswer>,
    private readonly writer: AnswerWriter,
  ) {}

  /** Opens the store of `runId`, loading the answers it already holds (one query). */
  static async open(prisma: PrismaClient, runId: number, scrubber: SecretScrubber, options?: StagedResponseWriterOptions): Promise<AnswerStore> {
    return AnswerStore.fromRows(runId, scrubber, await readStagedResponses(prisma, runId), new StagedResponseWriter(prisma, runId, options));
  }

  /** A store holding `rows` from an earlier attempt and writing new answers to `writer` (tests use a fake). */
  static fromRows(runId: number, scrubber: SecretScrubber, rows: readonly StagedResponseRow[], writer: AnswerWriter): AnswerStore {
    const answers = new Map<string, KeptAnswer>();
    for (const r of rows) answers.set(mapKey(r.upstream, r.requestKey), { status: r.httpStatus, payload: r.payload, bodyText: r.bodyText });
    return new AnswerStore(runId, scrubber, answers, writer);
  }

  /** Number of answers kept so far in this run (held in memory or written in this attempt). */
  get size(): number {
    return this.answers.size + this.written;
  }

  /** True when the answer for this key can be served from the store without asking the upstream. */
  has(upstream: string, key: string): boolean {
    return this.answers.has(mapKey(upstream, key));
  }

  /**
   * Returns the kept answer for `key`, or fetches `path` with `client`, keeps the answer and returns it.
   * Answers accepted by `options.acceptStatus` (e.g. 404) are kept too, so a resume does not ask again,
   * unless `options.shouldKeep` says otherwise (OMDb's "Request limit reached!" must be asked again later).
   * @throws whatever the client throws (errors are not kept: a resume retries them), or the database error
   *   of an earlier batch write
   */
  async fetch(client: UpstreamClient, key: string, path: string, params?: QueryParams, options?: FetchAnswerOptions): Promise<FetchedAnswer> {
    const kept = this.answers.get(mapKey(client.name, key));
    if (kept) {
      this.reused += 1;
      return { status: kept.status, json: kept.payload ?? undefined, text: kept.bodyText, url: client.describe(path, params), reused: true };
    }
    const response = await client.get(path, params, options);
    let json: unknown;
    let text: string | null = null;
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
      text = response.text;
    }
    // A clean answer is used and written as it came (its body is its JSON text): no scrubbed copy, no re-encoding.
    const clean = json !== undefined && !this.scrubber.containsSecret(json);
    const payload = json === undefined ? null : clean ? json : this.scrubber.scrubJson(json);
    const bodyText = text === null ? null : this.scrubber.scrubText(text.slice(0, MAX_BODY_TEXT));
    if (options?.shouldKeep?.(response.status, payload) ?? true) {
      this.written += 1;
      await this.writer.add({
        upstream: client.name,
        requestKey: key,
        httpStatus: response.status,
        payload,
        bodyText,
        ...(clean ? { payloadJson: response.text } : {}),
      });
    }
    return { status: response.status, json: payload ?? undefined, text: bodyText, url: response.url, reused: false };
  }

  /**
   * Keeps a result computed from an answer (e.g. a scraped page's parse result) under `key`, and returns
   * it on later calls of {@link AnswerStore.get}.
   */
  async put(upstream: string, key: string, status: number, payload: unknown): Promise<void> {
    const scrubbed = this.scrubber.scrubJson(payload);
    this.answers.set(mapKey(upstream, key), { status, payload: scrubbed, bodyText: null });
    await this.writer.add({ upstream, requestKey: key, httpStatus: status, payload: scrubbed, bodyText: null });
  }

  /** The kept payload of `key` when it is held in memory (re-read on resume, or put with {@link put}). */
  get(upstream: string, key: string): { status: number; payload: unknown } | undefined {
    const answer = this.answers.get(mapKey(upstream, key));
    return answer ? { status: answer.status, payload: answer.payload } : undefined;
  }

  /**
   * Writes every answer still buffered. Called at each stage end and before the run ends (also when it
   * fails or is interrupted), so `--resume` finds them.
   * @throws the database error of a batch write
   */
  async flush(): Promise<void> {
    await this.writer.flush();
  }
}

function mapKey(upstream: string, key: string): string {
  return `${upstream}\u0000${key}`;
}
