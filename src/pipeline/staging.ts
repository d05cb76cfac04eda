/**
 * Staged fetching: every upstream answer of a run is stored in `staged_response` (secrets removed) as soon
 * as it arrives, keyed by (run, upstream, request key). A resumed run (`harvest --resume`) reads the answers
 * it already has from there instead of asking the upstream again — the extract stage is restartable.
 */
import type { PrismaClient } from "../db/prisma.js";
import type { QueryParams, RequestOptions, UpstreamClient } from "../http/client.js";
import type { SecretScrubber } from "../secrets.js";

/** Bodies longer than this are not kept as text (HTML pages are stored as their parse result instead). */
const MAX_BODY_TEXT = 20_000;

/**
 * An upstream answer as the pipeline sees it. `json` is the parsed body (undefined when the body was not
 * JSON: `text` then holds it, truncated); `fromStage` tells whether it came from an earlier attempt.
 */
export interface StagedAnswer {
  status: number;
  json: unknown;
  text: string | null;
  url: string;
  fromStage: boolean;
}

interface StagedRow {
  status: number;
  payload: unknown;
  bodyText: string | null;
  /**
   * Whether the payload is kept in memory. Answers re-read on resume are; answers saved during this
   * attempt are not (the pipeline has used them already; keeping 3,000 bodies would only cost memory).
   */
  retained: boolean;
}

/** Per-run store of upstream answers. Create with {@link StagingStore.open}. */
export class StagingStore {
  private constructor(
    private readonly prisma: PrismaClient,
    readonly runId: number,
    private readonly scrubber: SecretScrubber,
    private readonly rows: Map<string, StagedRow>,
  ) {}

  /** Opens the store of `runId`, loading the keys it already holds (one query). */
  static async open(prisma: PrismaClient, runId: number, scrubber: SecretScrubber): Promise<StagingStore> {
    const existing = await prisma.stagedResponse.findMany({
      where: { runId },
      select: { upstream: true, requestKey: true, httpStatus: true, payload: true, bodyText: true },
    });
    const rows = new Map<string, StagedRow>();
    for (const r of existing) rows.set(`${r.upstream}\u0000${r.requestKey}`, { status: r.httpStatus, payload: r.payload, bodyText: r.bodyText, retained: true });
    return new StagingStore(prisma, runId, scrubber, rows);
  }

  /** Number of answers staged so far in this run. */
  get size(): number {
    return this.rows.size;
  }

  /** True when the answer for this key can be served from the stage without asking the upstream. */
  has(upstream: string, key: string): boolean {
    return this.rows.get(`${upstream}\u0000${key}`)?.retained ?? false;
  }

  /**
   * Returns the staged answer for `key`, or fetches `path` with `client`, stages the answer and returns it.
   * Answers accepted by `options.acceptStatus` (e.g. 404) are staged too, so a resume does not ask again,
   * unless `options.shouldStage` says otherwise (OMDb's "Request limit reached!" must be asked again later).
   * @throws whatever the client throws (errors are not staged: a resume retries them).
   */
  async fetch(
    client: UpstreamClient,
    key: string,
    path: string,
    params?: QueryParams,
    options?: RequestOptions & { shouldStage?: (status: number, json: unknown) => boolean },
  ): Promise<StagedAnswer> {
    const mapKey = `${client.name}\u0000${key}`;
    const staged = this.rows.get(mapKey);
    const url = client.describe(path, params);
    if (staged && staged.retained) {
      return { status: staged.status, json: staged.payload ?? undefined, text: staged.bodyText, url, fromStage: true };
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
    const row: StagedRow = {
      status: response.status,
      payload: json === undefined ? null : this.scrubber.scrubJson(json),
      bodyText: text === null ? null : this.scrubber.scrubText(text.slice(0, MAX_BODY_TEXT)),
      retained: false,
    };
    if (options?.shouldStage?.(row.status, row.payload) ?? true) await this.save(client.name, key, row);
    return { status: row.status, json: row.payload ?? undefined, text: row.bodyText, url: response.url, fromStage: false };
  }

  /**
   * Stages a result computed from an answer (e.g. a scraped page's parse result) under `key`, and returns
   * the staged value on later calls with {@link StagingStore.get}.
   */
  async put(upstream: string, key: string, status: number, payload: unknown): Promise<void> {
    await this.save(upstream, key, { status, payload: this.scrubber.scrubJson(payload), bodyText: null, retained: true });
  }

  /** The staged payload of `key` when it is held in memory (re-read on resume, or put with {@link put}). */
  get(upstream: string, key: string): { status: number; payload: unknown } | undefined {
    const row = this.rows.get(`${upstream}\u0000${key}`);
    return row?.retained ? { status: row.status, payload: row.payload } : undefined;
  }

  private async save(upstream: string, key: string, row: StagedRow): Promise<void> {
    await this.prisma.stagedResponse.createMany({
      data: [
        {
          runId: this.runId,
          upstream,
          requestKey: key,
          httpStatus: row.status,
          payload: row.payload === null ? undefined : (row.payload as object),
          bodyText: row.bodyText,
        },
      ],
      skipDuplicates: true,
    });
    this.rows.set(`${upstream}\u0000${key}`, row.retained ? row : { status: row.status, payload: null, bodyText: null, retained: false });
  }
}
