/**
 * The run's fetched answers: every upstream answer of a run is kept in `upstream_answer` (secrets removed),
 * keyed by (run, upstream, request key), written in batches by the load module's writer. A resumed run
 * (`harvest --resume`) reads the answers it already has from there instead of asking the upstream again.
 *
 * (Named "answers", not "stage": a stage is a step of the pipeline, src/pipeline/stages/.)
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";
import type { QuarantineReason, RecordIssue } from "../domain.js";
import { UpstreamBadBodyError, UpstreamOversizedError, type UpstreamError } from "../errors.js";
import { jsonBodyCheck, type BodyCheck } from "../http/body-check.js";
import type { HttpResponse, QueryParams, RequestOptions, UpstreamClient } from "../http/client.js";
import { readUpstreamAnswers, UpstreamAnswerWriter, type UpstreamAnswerRow, type UpstreamAnswerWriterOptions } from "../load/upstream-answers.js";
import type { SecretScrubber } from "../secrets.js";
import { issuesFromZod, nonJsonBodyIssue, primaryReason } from "../validation/issues.js";
import { toPostgresJson, toPostgresText } from "../validation/postgres.js";

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
  /**
   * What was changed to make the answer storable (NUL removed, lone surrogates replaced, text cut; see
   * src/validation/postgres.ts), as flags for the quarantine. `json` is the repaired value: the same value a
   * resume reads back, so a resumed run sees exactly what the first attempt saw. Empty for re-used answers.
   */
  repairs: RecordIssue[];
}

/**
 * A 2xx answer refused by its body check on every attempt (truncated, malformed, empty, HTML, or JSON of the
 * wrong shape), or an answer larger than the client's cap (`oversized_body`, no payload). Not kept in the store, so a resume asks again. `reason` and `issues` are what the quarantine
 * records (`empty_body`, `not_json`, `invalid_json`, or the zod issues of the schema); `payload` is the refused
 * body (parsed JSON, or its text cut to 2,000 characters).
 */
export class RefusedAnswerError extends Error {
  override readonly name = "RefusedAnswerError";
  constructor(
    readonly upstream: string,
    readonly key: string,
    readonly reason: QuarantineReason,
    readonly issues: RecordIssue[],
    readonly payload: unknown,
    cause: UpstreamError,
  ) {
    super(cause.message, { cause });
  }
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
export type FetchAnswerOptions = Omit<RequestOptions, "checkBody"> & {
  /** Whether an answer is kept for a resume (default: every answer that reached the caller). */
  shouldKeep?: (status: number, json: unknown) => boolean;
  /**
   * The zod schema of the endpoint's 2xx answer. Given, every 2xx body must be JSON matching it: the client
   * retries a refused body like a 5xx (counted in `tv_harvester_http_bad_body_total`) and after its retries
   * {@link AnswerStore.fetch} throws {@link RefusedAnswerError}. Accepted non-2xx answers (a 404) are not checked.
   */
  schema?: z.ZodType;
};

/** Where an {@link AnswerStore} writes its answers (the batched `upstream_answer` writer, or a test's fake). */
export type AnswerWriter = Pick<UpstreamAnswerWriter, "add" | "flush">;

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
  static async open(prisma: PrismaClient, runId: number, scrubber: SecretScrubber, options?: UpstreamAnswerWriterOptions): Promise<AnswerStore> {
    return AnswerStore.fromRows(runId, scrubber, await readUpstreamAnswers(prisma, runId), new UpstreamAnswerWriter(prisma, runId, options));
  }

  /** A store holding `rows` from an earlier attempt and writing new answers to `writer` (tests use a fake). */
  static fromRows(runId: number, scrubber: SecretScrubber, rows: readonly UpstreamAnswerRow[], writer: AnswerWriter): AnswerStore {
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
   * Every answer passes the one validation path before it is kept: secrets removed, then made storable by
   * `toPostgresJson` / `toPostgresText` (the repairs come back as {@link FetchedAnswer.repairs}).
   * @throws {RefusedAnswerError} the body failed `options.schema` on every attempt (nothing is kept)
   * @throws whatever else the client throws (errors are not kept: a resume retries them), or the database
   *   error of an earlier batch write
   */
  async fetch(client: UpstreamClient, key: string, path: string, params?: QueryParams, options?: FetchAnswerOptions): Promise<FetchedAnswer> {
    const kept = this.answers.get(mapKey(client.name, key));
    if (kept) {
      this.reused += 1;
      return {
        status: kept.status,
        json: kept.payload ?? undefined,
        text: kept.bodyText,
        url: client.describe(path, params),
        reused: true,
        repairs: [],
      };
    }
    const { schema, shouldKeep, ...requestOptions } = options ?? {};
    let refused: { reason: QuarantineReason; issues: RecordIssue[]; payload: unknown } | undefined;
    const check = schema === undefined ? undefined : checkAndDescribe(schema, (r) => (refused = r));
    let response: HttpResponse;
    try {
      response = await client.get(path, params, check === undefined ? requestOptions : { ...requestOptions, checkBody: check });
    } catch (error) {
      if (error instanceof UpstreamBadBodyError && refused !== undefined) {
        throw new RefusedAnswerError(client.name, key, refused.reason, refused.issues, this.scrubber.scrubJson(refused.payload), error);
      }
      if (error instanceof UpstreamOversizedError) {
        // Refused like a bad body, with its own reason; nothing of the body was kept.
        const issue = { path: "", message: error.message, reason: "oversized_body" as const };
        throw new RefusedAnswerError(client.name, key, "oversized_body", [issue], null, error);
      }
      throw error;
    }
    let json: unknown;
    let text: string | null = null;
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
      text = response.text;
    }
    const repairs: RecordIssue[] = [];
    let payload: unknown = null;
    // A clean answer (no secret in it, nothing PostgreSQL refuses) is also written as it came: its body is its
    // JSON text, so the writer does not encode it again.
    let clean = false;
    if (json !== undefined) {
      const scrubbed = this.scrubber.containsSecret(json) ? this.scrubber.scrubJson(json) : json;
      const safe = toPostgresJson(scrubbed);
      repairs.push(...safe.flags);
      payload = safe.value;
      clean = scrubbed === json && safe.flags.length === 0;
    }
    let bodyText: string | null = null;
    if (text !== null) {
      const safe = toPostgresText(this.scrubber.scrubText(text.slice(0, MAX_BODY_TEXT)), "payload", "");
      repairs.push(...safe.flags);
      bodyText = safe.value;
    }
    if (shouldKeep?.(response.status, payload) ?? true) {
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
    return { status: response.status, json: payload ?? undefined, text: bodyText, url: response.url, reused: false, repairs };
  }

  /**
   * Keeps a result computed from an answer (e.g. a scraped page's parse result) under `key`, and returns
   * it on later calls of {@link AnswerStore.get}.
   */
  async put(upstream: string, key: string, status: number, payload: unknown): Promise<void> {
    const scrubbed = toPostgresJson(this.scrubber.scrubJson(payload)).value;
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

/**
 * The body check of a JSON endpoint with `schema` (see {@link jsonBodyCheck}), applied to 2xx answers only,
 * which also tells `onRefused` how the quarantine should describe the refused body.
 */
function checkAndDescribe(
  schema: z.ZodType,
  onRefused: (refused: { reason: QuarantineReason; issues: RecordIssue[]; payload: unknown }) => void,
): BodyCheck {
  const base = jsonBodyCheck(schema);
  return (response) => {
    if (response.status < 200 || response.status >= 300) return { ok: true };
    const verdict = base(response);
    if (!verdict.ok) onRefused(describeRefusedBody(response.text, schema));
    return verdict;
  };
}

/** Longest refused body text handed to the quarantine (characters). */
const MAX_REFUSED_TEXT = 2_000;

/**
 * How a refused body is recorded: an empty body → `empty_body`; markup or other text → `not_json`; text that
 * starts like JSON but does not parse → `invalid_json`; JSON of the wrong shape → the schema's zod issues.
 */
export function describeRefusedBody(text: string, schema: z.ZodType): { reason: QuarantineReason; issues: RecordIssue[]; payload: unknown } {
  if (text.trim() === "")
    return { reason: "empty_body", issues: [{ path: "", message: "empty body where JSON was expected", reason: "empty_body" }], payload: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const issue = nonJsonBodyIssue(text);
    return { reason: issue.reason, issues: [issue], payload: text.slice(0, MAX_REFUSED_TEXT) };
  }
  const issues = schemaIssues(schema, value) ?? [{ path: "", message: "body refused by its check", reason: "schema_mismatch" as const }];
  return { reason: primaryReason(issues), issues, payload: value };
}

/**
 * The issues of `value` against `schema`, or null when it matches. For a union (OMDb's title-or-error), the
 * issues of the option it comes closest to (fewest issues), so a title without `imdbID` is `missing_field`
 * rather than "matches no option".
 */
function schemaIssues(schema: z.ZodType, value: unknown): RecordIssue[] | null {
  const options: readonly z.core.$ZodType[] = schema instanceof z.ZodUnion ? schema.options : [schema];
  let best: RecordIssue[] | null = null;
  for (const option of options) {
    const result = z.safeParse(option, value);
    if (result.success) return null;
    const issues = issuesFromZod(result.error);
    if (best === null || issues.length < best.length) best = issues;
  }
  return best;
}

function mapKey(upstream: string, key: string): string {
  return `${upstream}\u0000${key}`;
}
