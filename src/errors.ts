/**
 * The few error classes of tv-harvester, classified by what the caller should do next:
 * retry later ({@link RateLimitedError}), retry now ({@link UpstreamHttpError} with `retryable`),
 * give up on this record ({@link SchemaMismatchError}), or fix the setup ({@link ConfigError}).
 *
 * No error message or property ever holds a secret: URLs are redacted before they reach an error
 * (see `redactUrl` in `src/secrets.ts`), and the underlying axios error is never kept as `cause`
 * because its `config` carries the credentials.
 */

/** A configuration value is missing or invalid. `problems` lists every problem found, one per line. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Common shape of errors that concern one upstream request. `url` is redacted. */
export abstract class UpstreamError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    readonly upstream: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An HTTP answer other than 2xx (or a transport failure, `status` 0). 5xx, timeouts and connection errors
 * are retryable; other 4xx are not.
 */
export class UpstreamHttpError extends UpstreamError {
  override readonly name = "UpstreamHttpError";
  readonly retryable: boolean;
  constructor(
    upstream: string,
    url: string,
    readonly status: number,
    detail: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(`${upstream} ${status === 0 ? (options?.code ?? "network error") : `HTTP ${status}`} for ${url}: ${detail}`, upstream, url, options);
    this.retryable = status === 0 || status >= 500;
    this.code = options?.code;
  }
  readonly code: string | undefined;
}

/**
 * The upstream kept answering 429 to one request for longer than the client's rate-limit deadline
 * (`rateLimitDeadlineMs`, 15 minutes by default). Ordinary 429s never end in this error: they pause the
 * upstream and the request is sent again. `retryAfterSeconds` is the last hint.
 */
export class RateLimitedError extends UpstreamError {
  override readonly name = "RateLimitedError";
  readonly retryable = false;
  constructor(
    upstream: string,
    url: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`${upstream} kept answering 429 Too Many Requests for ${url}`, upstream, url);
  }
}

/** Why a 2xx body was refused by a request's `checkBody` (a closed set: it is a metric label). */
export type BadBodyReason = "empty_body" | "not_json" | "invalid_json" | "schema_mismatch";

/**
 * A 2xx (or accepted) answer whose body failed the request's `checkBody` after every retry: truncated or
 * malformed JSON, an HTML page, an empty body, or JSON of the wrong shape. Retryable like a 5xx (the next
 * answer is often good); thrown only after the client's retries are used up. `body` is the start of the
 * answer (at most 500 characters) with the client's credentials scrubbed, for the quarantine record.
 */
export class UpstreamBadBodyError extends UpstreamError {
  override readonly name = "UpstreamBadBodyError";
  readonly retryable = true;
  constructor(
    upstream: string,
    url: string,
    readonly status: number,
    readonly reason: BadBodyReason,
    readonly detail: string,
    readonly body: string,
  ) {
    super(`${upstream} HTTP ${status} for ${url} has a bad body (${reason}): ${detail}`, upstream, url);
  }
}

/**
 * An answer larger than the client's cap for its upstream (`maxBodyBytes`): reading stopped at the cap (or
 * before, when `Content-Length` announced more) and nothing of the body is kept. Not retried: the same request
 * gets the same answer. `limitBytes` is the cap, `receivedBytes` what was read before stopping (0 when the
 * announced length alone refused it), `declaredBytes` the announced `Content-Length`, if any.
 */
export class UpstreamOversizedError extends UpstreamError {
  override readonly name = "UpstreamOversizedError";
  readonly retryable = false;
  constructor(
    upstream: string,
    url: string,
    readonly status: number,
    readonly limitBytes: number,
    readonly receivedBytes: number,
    readonly declaredBytes: number | undefined,
  ) {
    super(
      `${upstream} HTTP ${status} for ${url}: answer larger than the cap of ${limitBytes} bytes (${
        declaredBytes !== undefined ? `Content-Length ${declaredBytes}` : `more than ${receivedBytes - 1} bytes received`
      }); not kept`,
      upstream,
      url,
    );
  }
}

/**
 * A request given up because its run is stopping (SIGINT/SIGTERM, a lost harvest lock, the stalled-run
 * watchdog): aborted on the wire, in its backoff or in the queue. Not retried and nothing of it is kept, so a
 * resumed run asks again.
 */
export class RequestAbortedError extends UpstreamError {
  override readonly name = "RequestAbortedError";
  readonly retryable = false;
  constructor(upstream: string, url: string) {
    super(`${upstream} request for ${url} aborted: the run is stopping`, upstream, url);
  }
}

/**
 * A response did not match its zod schema: the upstream changed shape (schema drift) or sent garbage.
 * `issues` are `{path, message}` pairs from zod.
 */
export class SchemaMismatchError extends UpstreamError {
  override readonly name = "SchemaMismatchError";
  readonly retryable = false;
  constructor(
    upstream: string,
    url: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `${upstream} response for ${url} does not match its schema: ${issues
        .slice(0, 3)
        .map((i) => `${i.path || "(root)"}: ${i.message}`)
        .join("; ")}`,
      upstream,
      url,
    );
  }
}

/** OMDb said "Request limit reached!" or 401: no more OMDb calls in this run. */
export class OmdbQuotaExhaustedError extends UpstreamError {
  override readonly name = "OmdbQuotaExhaustedError";
  readonly retryable = false;
  constructor(url: string, detail: string) {
    super(`OMDb quota exhausted: ${detail}`, "omdb", url);
  }
}

/** Another harvest holds the harvest lock (another process or replica is harvesting). */
export class HarvestLockedError extends Error {
  override readonly name = "HarvestLockedError";
  constructor() {
    super("another harvest is running against this database (advisory lock held); not starting a second one");
  }
}

/**
 * The embedded PostgreSQL could not start. `kind` says why, the message says what to do about it:
 * `port_in_use`, `data_dir_in_use` (another server runs on the data directory), `data_dir_inaccessible`
 * (the `postgres` user cannot reach or write it), `binary_missing`, or `failed` (anything else; the message
 * then carries PostgreSQL's last log lines).
 */
export class EmbeddedDatabaseError extends Error {
  override readonly name = "EmbeddedDatabaseError";
  constructor(
    readonly kind: "port_in_use" | "data_dir_in_use" | "data_dir_inaccessible" | "binary_missing" | "failed",
    message: string,
  ) {
    super(message);
  }
}

/** Formats any thrown value as a one-line message, for logs and the run's `error` column. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  // Some libraries reject with nothing at all; say so instead of printing "undefined".
  if (error === undefined || error === null) return "unknown error (the operation failed without saying why)";
  return String(error);
}
