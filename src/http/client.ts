/**
 * One HTTP client per upstream: an axios instance, a rate controller in front of the wire (./rate-control.ts),
 * a retry policy (p-retry), a deadline and a size cap per answer.
 *
 * - Rate and 429s: see {@link RateController}. A storm of 429s is one pause: counted (stats `throttled`,
 *   `pauses`; metrics), logged once, and it does not use up retries. Only a request that has met nothing but
 *   429s for `rateLimitDeadlineMs` (15 minutes by default) fails, with {@link RateLimitedError}.
 * - Deadline: every attempt has `timeoutMs` from the moment it goes on the wire to the last byte of its body
 *   (the attempt's abort signal fires at the deadline, not only the socket's idle timeout), so a body that trickles a byte a second ends
 *   at the deadline like a server that never answers: counted (`tv_harvester_http_timeouts_total`) and retried.
 * - Size cap: the body is read as a stream and reading stops at `maxBodyBytes` (an announced `Content-Length`
 *   above it is refused before reading); nothing more than the cap is ever held. An oversized answer is not
 *   retried (the same request gets the same answer): {@link UpstreamOversizedError}, counted in
 *   `tv_harvester_http_oversized_total`.
 * - 5xx, timeouts, connection errors, and 2xx bodies refused by the request's `checkBody`: retried up to
 *   `maxRetries` times with capped exponential backoff and jitter. Other 4xx are not retried
 *   ({@link UpstreamHttpError}, `retryable` false).
 * - Stopping: {@link UpstreamClient.abortOn} ties the client to a run's signal; when it aborts, the requests in
 *   flight are aborted at once, those waiting for the rate controller or a backoff are given up, and later ones
 *   are refused ({@link RequestAbortedError}; nothing is kept, so a resume asks again).
 * - Credentials are added per request and never appear in a URL or body excerpt that is logged or thrown; no
 *   error, log line or metric label holds more than a bounded excerpt of a body.
 *
 * Other upstreams have their own client and rate controller, so they keep going during a pause.
 */
import { setMaxListeners } from "node:events";
import type { Readable } from "node:stream";
import axios, { type AxiosInstance, isAxiosError } from "axios";
import pRetry, { AbortError } from "p-retry";
import type { Logger } from "pino";
import { RateLimitedError, RequestAbortedError, UpstreamBadBodyError, UpstreamHttpError, UpstreamOversizedError } from "../errors.js";
import { type HarvesterMetrics, type UpstreamName, statusClass } from "../metrics/metrics.js";
import { SecretScrubber, redactUrl } from "../secrets.js";
import type { BodyCheck } from "./body-check.js";
import { AdmissionAbortedError, RateController, systemRateClock, type Admission, type RateClock, type RateControlOptions } from "./rate-control.js";
import { DEFAULT_MAX_BODY_BYTES, UPSTREAM_KIND, type UpstreamLimits } from "./limits.js";
import { parseRetryAfter } from "./retry-after.js";

export type { UpstreamLimits } from "./limits.js";

/** A response as the caller sees it: status, lower-cased headers, the body as text, and the redacted URL. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The request URL without credentials, safe to log and store. */
  url: string;
}

export type QueryParams = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
  /** Non-2xx statuses to return to the caller instead of throwing (e.g. OMDb's 401, a page's 403). */
  acceptStatus?: (status: number) => boolean;
  headers?: Record<string, string>;
  /**
   * Classifies a 2xx (or accepted) answer before it is returned (see `jsonBodyCheck` in `./body-check.ts`).
   * A refused body is counted (`tv_harvester_http_bad_body_total{upstream,reason}`), retried like a 5xx,
   * and after the retries thrown as {@link UpstreamBadBodyError}.
   */
  checkBody?: BodyCheck;
}

/** Retry policy; see {@link createUpstreamClient}. */
export interface RetryPolicy {
  /** Retries after a 5xx, timeout, connection error or refused body (429s do not count). */
  maxRetries: number;
  /** First backoff delay, ms; doubles per retry, with jitter, up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /**
   * How long one request may meet nothing but 429s before it fails with {@link RateLimitedError}, ms
   * (default 15 minutes). A safety bound for an upstream that refuses one request for ever; an ordinary
   * storm of 429s pauses the upstream and never reaches it.
   */
  rateLimitDeadlineMs?: number;
}

export type { RateControlOptions } from "./rate-control.js";

/** Counters of one client, for the run summary. */
export interface UpstreamStats {
  /** Requests sent on the wire (a request held back by a pause is not counted until it is sent). */
  requests: number;
  /** Retries after a 5xx, timeout, connection error or refused body. */
  retries: number;
  /** Answers 429. */
  throttled: number;
  /** Requests that failed after their retries. */
  failures: number;
}

/** {@link UpstreamStats} and the rate controller's own counters. */
export interface UpstreamClientStats extends UpstreamStats {
  /** Pauses after a 429 (one per storm, however many 429s it holds). */
  pauses: number;
  /** Seconds the upstream spent paused or probing, summed over the pauses that have ended. */
  pausedSeconds: number;
  /** 2xx answers refused by a request's `checkBody` (each retried or, after the retries, thrown). */
  badBodies: number;
}

export interface UpstreamClientOptions {
  name: UpstreamName;
  /** Base URL without trailing slash; request paths are appended. */
  baseUrl: string;
  /**
   * The socket's idle timeout, ms, and the deadline of one attempt (from sending the request to the last byte of
   * its body) unless `limits[name].deadlineMs` gives another.
   */
  timeoutMs: number;
  /** Largest answer body, bytes (default `limits[name].maxBodyBytes`, else {@link DEFAULT_MAX_BODY_BYTES}). */
  maxBodyBytes?: number;
  /** Deadlines and caps by upstream (the configuration's `http.limits`); this client uses its own name's. */
  limits?: Partial<Record<UpstreamName, UpstreamLimits>>;
  requestsPerSecond: number;
  maxConcurrent: number;
  retry: RetryPolicy;
  rateControl?: RateControlOptions;
  /** Credentials: query parameters and/or headers added to every request, never reported. */
  auth?: { params?: Record<string, string>; headers?: Record<string, string> };
  userAgent?: string;
  metrics?: HarvesterMetrics;
  logger?: Logger;
  /** Wall clock, ms since the epoch: HTTP-date Retry-After values and the rate-limit deadline. */
  now?: () => number;
  /** The rate controller's clock and sleep (default: `performance.now()` and timers); tests drive it in simulated time. */
  rateClock?: RateClock;
}

/** The client of one upstream. */
export interface UpstreamClient {
  readonly name: UpstreamName;
  /**
   * GET `path` (relative to the base URL) with `params`.
   * @throws {UpstreamHttpError} non-2xx not accepted by `acceptStatus`, or transport failure (deadline included) after retries
   * @throws {UpstreamBadBodyError} the body failed `checkBody` on every attempt
   * @throws {UpstreamOversizedError} the answer was larger than the cap (not retried)
   * @throws {RateLimitedError} the request met nothing but 429s for `rateLimitDeadlineMs`
   * @throws {RequestAbortedError} a signal given to {@link abortOn} aborted (or the client was stopped)
   */
  get(path: string, params?: QueryParams, options?: RequestOptions): Promise<HttpResponse>;
  /** The URL a request would have, without credentials. */
  describe(path: string, params?: QueryParams): string;
  stats(): UpstreamClientStats;
  /**
   * Aborts this client's requests when `signal` aborts: those in flight at once, those waiting (rate controller,
   * backoff) too, and refuses new ones while it stays aborted. Returns the function that unties it (a run calls
   * it when it ends, so that the client serves the next run). Optional for test doubles.
   */
  abortOn?(signal: AbortSignal): () => void;
  /**
   * Calls `listener` for every answer received in full (any status but 429): the stalled-run watchdog's
   * measure of progress. Returns the function that removes it. Optional for test doubles.
   */
  onAnswer?(listener: () => void): () => void;
  /** Stops the rate controller and aborts every request in flight or waiting. */
  stop(): Promise<void>;
}

/** Default {@link RetryPolicy.rateLimitDeadlineMs}: 15 minutes. */
export const DEFAULT_RATE_LIMIT_DEADLINE_MS = 15 * 60_000;

/** Characters of a refused body kept in {@link UpstreamBadBodyError.body}. */
const BODY_EXCERPT_CHARS = 500;

function buildUrl(baseUrl: string, path: string, params: QueryParams | undefined): string {
  const url = new URL(baseUrl + (path.startsWith("/") || path === "" ? path : `/${path}`));
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== undefined) url.searchParams.set(k, String(v));
  }
  return url.toString();
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers && typeof headers === "object") {
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v === "string") out[k.toLowerCase()] = v;
      else if (typeof v === "number") out[k.toLowerCase()] = String(v);
      else if (Array.isArray(v)) out[k.toLowerCase()] = v.join(", ");
    }
  }
  return out;
}

/** The secret values of a client's credentials (a Bearer token also on its own), for scrubbing bodies. */
function credentialValues(auth: UpstreamClientOptions["auth"]): string[] {
  const values = [...Object.values(auth?.params ?? {}), ...Object.values(auth?.headers ?? {})];
  return values.flatMap((v) => (/^Bearer\s+/i.test(v) ? [v, v.replace(/^Bearer\s+/i, "")] : [v]));
}

/** Reading stopped at the cap: how many bytes had arrived. */
class BodyTooLarge {
  constructor(readonly receivedBytes: number) {}
}

/**
 * Reads `stream` to its end as UTF-8 text, holding at most `maxBytes` (plus the chunk that crossed the cap):
 * at the cap it stops and destroys the stream. Throws when the stream fails (an abort destroys it).
 */
async function readCapped(stream: Readable, maxBytes: number): Promise<string | BodyTooLarge> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBytes) {
      stream.destroy();
      return new BodyTooLarge(size);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function isReadable(value: unknown): value is Readable {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value && "destroy" in value && typeof value.destroy === "function";
}

/** Creates the client of one upstream. See the module comment for the policy. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  return new HttpUpstreamClient(options);
}

/**
 * The signals that stop a client's requests: its own (aborted by `stop()`) and those a run ties it to
 * ({@link UpstreamClient.abortOn}). Each request listens through a signal of its own, which it detaches when it
 * ends: listeners rather than `AbortSignal.any`, whose dependents a long-lived source signal keeps (Node 20).
 */
class AbortSources {
  private readonly closing = new AbortController();
  private readonly sources = new Set<AbortSignal>([this.closing.signal]);

  constructor() {
    setMaxListeners(0, this.closing.signal);
  }

  /** Whether any source has aborted (a new request is refused). */
  get stopping(): boolean {
    return [...this.sources].some((s) => s.aborted);
  }

  /** Adds `signal` as a source; returns the function that removes it. */
  add(signal: AbortSignal): () => void {
    // Every request of the client listens to it while it runs (20 or more at once).
    setMaxListeners(0, signal);
    this.sources.add(signal);
    return () => void this.sources.delete(signal);
  }

  /** Aborts every request, now and later. */
  close(): void {
    this.closing.abort();
  }

  /** A signal of one request, aborted when any source aborts; `detach()` when the request ends. */
  forRequest(): { signal: AbortSignal; detach(): void } {
    const controller = new AbortController();
    const sources = [...this.sources];
    const onStop = () => controller.abort();
    for (const source of sources) {
      if (source.aborted) controller.abort();
      else source.addEventListener("abort", onStop, { once: true });
    }
    return { signal: controller.signal, detach: () => sources.forEach((source) => source.removeEventListener("abort", onStop)) };
  }
}

/** What one attempt on the wire ended with: an answer, or the error it is counted and retried (or not) as. */
type WireOutcome = HttpResponse | UpstreamHttpError | UpstreamOversizedError | RequestAbortedError;

/** {@link UpstreamClient} over axios, with its rate controller, retry policy, deadline and size cap (module comment). */
class HttpUpstreamClient implements UpstreamClient {
  readonly name: UpstreamName;
  private readonly now: () => number;
  private readonly deadlineMs: number;
  private readonly maxBodyBytes: number;
  private readonly rateLimitDeadlineMs: number;
  private readonly scrubber: SecretScrubber;
  private readonly http: AxiosInstance;
  private readonly rate: RateController;
  private readonly stops = new AbortSources();
  private readonly answerListeners = new Set<() => void>();
  private readonly counters: UpstreamClientStats = { requests: 0, retries: 0, throttled: 0, failures: 0, pauses: 0, pausedSeconds: 0, badBodies: 0 };

  constructor(private readonly options: UpstreamClientOptions) {
    const { name, metrics, logger } = options;
    this.name = name;
    this.now = options.now ?? Date.now;
    this.deadlineMs = options.limits?.[name]?.deadlineMs ?? options.timeoutMs;
    this.maxBodyBytes = options.maxBodyBytes ?? options.limits?.[name]?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES[UPSTREAM_KIND[name]];
    this.rateLimitDeadlineMs = options.retry.rateLimitDeadlineMs ?? DEFAULT_RATE_LIMIT_DEADLINE_MS;
    this.scrubber = new SecretScrubber(credentialValues(options.auth));
    this.http = axios.create({
      // The socket's idle timeout (HTTP_TIMEOUT_SECONDS); the deadline of the whole answer is the attempt's own timer.
      timeout: Math.min(options.timeoutMs, this.deadlineMs),
      responseType: "stream",
      decompress: true,
      validateStatus: () => true,
      maxRedirects: 5,
      headers: {
        "User-Agent": options.userAgent ?? "tv-harvester/0.1",
        Accept: "application/json, text/html;q=0.9, */*;q=0.5",
      },
    });
    this.rate = new RateController({
      requestsPerSecond: options.requestsPerSecond,
      maxConcurrent: options.maxConcurrent,
      ...options.rateControl,
      clock: options.rateClock ?? systemRateClock,
      onPause: ({ retryAfterSeconds, resumeRequestsPerSecond }) => {
        metrics?.httpRateLimitPauses.inc({ upstream: name });
        logger?.warn(
          { upstream: name, retryAfterSeconds, resumeRequestsPerSecond },
          "rate limited (429): upstream paused; requests resume after Retry-After",
        );
      },
    });
  }

  async get(path: string, params?: QueryParams, requestOptions: RequestOptions = {}): Promise<HttpResponse> {
    const url = buildUrl(this.options.baseUrl, path, { ...params, ...this.options.auth?.params });
    const redacted = redactUrl(url);
    if (this.stops.stopping) throw new RequestAbortedError(this.name, redacted);
    const { signal: stop, detach } = this.stops.forRequest();
    const { metrics, logger } = this.options;
    return pRetry(() => this.attempt(url, redacted, requestOptions, stop), {
      retries: this.options.retry.maxRetries,
      factor: 2,
      minTimeout: this.options.retry.backoffBaseMs,
      maxTimeout: this.options.retry.backoffMaxMs,
      randomize: true,
      signal: stop,
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (!isRetryable(error) || retriesLeft === 0) return;
        this.counters.retries += 1;
        metrics?.httpRetries.inc({ upstream: this.name });
        const status = error instanceof UpstreamHttpError || error instanceof UpstreamBadBodyError ? error.status : undefined;
        logger?.warn(
          { upstream: this.name, url: redacted, attempt: attemptNumber, retriesLeft, status, err: error.message.slice(0, 500) },
          "request failed; retrying",
        );
      },
    })
      .catch((error: unknown) => {
        // p-retry rejects with the signal's reason when a stop came during a backoff.
        if (stop.aborted && !(error instanceof RequestAbortedError)) throw new RequestAbortedError(this.name, redacted);
        if (!(error instanceof RequestAbortedError)) this.counters.failures += 1;
        throw error;
      })
      .finally(detach);
  }

  describe(path: string, params?: QueryParams): string {
    return redactUrl(buildUrl(this.options.baseUrl, path, params));
  }

  stats(): UpstreamClientStats {
    return { ...this.counters, pauses: this.rate.pauses, pausedSeconds: this.rate.pausedSeconds };
  }

  abortOn(signal: AbortSignal): () => void {
    return this.stops.add(signal);
  }

  onAnswer(listener: () => void): () => void {
    this.answerListeners.add(listener);
    return () => void this.answerListeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.rate.stop();
    this.stops.close();
  }

  /**
   * One attempt of p-retry's: sent again after each 429 (a pause, not a retry) until the rate-limit deadline; a
   * 2xx or accepted answer is checked by `checkBody`. Throws what p-retry retries, or an `AbortError` around what it
   * must not.
   */
  private async attempt(url: string, redacted: string, requestOptions: RequestOptions, stop: AbortSignal): Promise<HttpResponse> {
    let throttledSince: number | undefined;
    for (;;) {
      const response = await this.send(url, requestOptions.headers, redacted, stop);
      if (response.status === 429) {
        throttledSince ??= this.now();
        if (this.now() - throttledSince < this.rateLimitDeadlineMs) continue;
        throw new AbortError(new RateLimitedError(this.name, redacted, parseRetryAfter(response.headers["retry-after"], this.now())));
      }
      const accept = requestOptions.acceptStatus ?? (() => false);
      if ((response.status >= 200 && response.status < 300) || accept(response.status)) {
        const verdict = requestOptions.checkBody?.(response) ?? { ok: true };
        if (verdict.ok) return response;
        this.counters.badBodies += 1;
        this.options.metrics?.httpBadBody.inc({ upstream: this.name, reason: verdict.reason });
        const excerpt = this.scrubber.scrubText(response.text.slice(0, 4 * BODY_EXCERPT_CHARS)).slice(0, BODY_EXCERPT_CHARS);
        throw new UpstreamBadBodyError(this.name, redacted, response.status, verdict.reason, verdict.detail.slice(0, 200), excerpt);
      }
      const detail = this.scrubber.scrubText(response.text.slice(0, 800)).slice(0, 200).replace(/\s+/g, " ");
      const error = new UpstreamHttpError(this.name, redacted, response.status, detail);
      if (error.retryable) throw error;
      throw new AbortError(error);
    }
  }

  /** One request: admitted by the rate controller, sent, and its outcome handed back (a 429 pauses the upstream). */
  private async send(url: string, headers: Record<string, string> | undefined, redacted: string, stop: AbortSignal): Promise<HttpResponse> {
    const queuedAt = this.now();
    let admission: Admission;
    try {
      admission = await this.rate.acquire(stop);
    } catch (error) {
      if (error instanceof AdmissionAbortedError) throw new RequestAbortedError(this.name, redacted);
      throw error;
    }
    this.options.metrics?.rateLimiterWait.inc({ upstream: this.name }, Math.max(0, this.now() - queuedAt) / 1000);
    const result = await this.wire(url, headers, redacted, stop);
    if (!(result instanceof Error) && result.status === 429) {
      this.counters.throttled += 1;
      this.options.metrics?.httpThrottled.inc({ upstream: this.name });
      this.rate.release(admission, { throttled: true, retryAfterSeconds: parseRetryAfter(result.headers["retry-after"], this.now()) });
    } else {
      this.rate.release(admission, { throttled: false });
    }
    if (result instanceof Error) throw result;
    return result;
  }

  /** One request on the wire, body included, within the deadline. Returns the answer or the (counted) error. */
  private async wire(url: string, headers: Record<string, string> | undefined, redacted: string, stop: AbortSignal): Promise<WireOutcome> {
    const { metrics } = this.options;
    const started = performance.now();
    const finish = (statusLabel: ReturnType<typeof statusClass>) => {
      metrics?.httpRequests.inc({ upstream: this.name, status_class: statusLabel });
      metrics?.httpLatency.observe({ upstream: this.name }, (performance.now() - started) / 1000);
    };
    // The attempt's own signal: aborted at its deadline or when the run stops, whichever comes first.
    const attempt = new AbortController();
    let pastDeadline = false;
    const deadline = setTimeout(() => {
      pastDeadline = true;
      attempt.abort();
    }, this.deadlineMs);
    const onStop = () => attempt.abort();
    stop.addEventListener("abort", onStop, { once: true });
    this.counters.requests += 1;
    try {
      const response = await this.http.get<unknown>(url, { headers: { ...this.options.auth?.headers, ...headers }, signal: attempt.signal });
      const responseHeaders = lowerCaseHeaders(response.headers);
      const text = await this.readBody(response.data, responseHeaders, attempt.signal);
      finish(statusClass(response.status));
      if (text instanceof BodyTooLarge) {
        metrics?.httpOversized.inc({ upstream: this.name });
        const declared = Number(responseHeaders["content-length"]);
        return new UpstreamOversizedError(
          this.name,
          redacted,
          response.status,
          this.maxBodyBytes,
          text.receivedBytes,
          Number.isFinite(declared) ? declared : undefined,
        );
      }
      if (response.status !== 429) for (const listener of this.answerListeners) listener();
      return { status: response.status, headers: responseHeaders, text, url: redacted };
    } catch (error) {
      finish("error");
      if (stop.aborted) return new RequestAbortedError(this.name, redacted);
      if (pastDeadline) {
        metrics?.httpTimeouts.inc({ upstream: this.name });
        return new UpstreamHttpError(this.name, redacted, 0, `no complete answer within the deadline of ${this.deadlineMs} ms`, {
          code: "ETIMEDOUT",
        });
      }
      return this.transportError(error, redacted);
    } finally {
      clearTimeout(deadline);
      stop.removeEventListener("abort", onStop);
    }
  }

  /**
   * The body of an answer as text, or {@link BodyTooLarge} (an announced `Content-Length` above the cap is refused
   * unread). Throws when `signal` aborts while it streams: a body cut short is never an answer, however it ended.
   */
  private async readBody(data: unknown, headers: Record<string, string>, signal: AbortSignal): Promise<string | BodyTooLarge> {
    if (!isReadable(data)) throw new Error("the HTTP library returned no body stream");
    const body = data;
    // An abort while the body streams destroys the stream, which ends the read with an error.
    const onAbort = () => body.destroy(new Error("aborted"));
    if (signal.aborted) body.destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const declared = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      const text =
        declared !== undefined && Number.isFinite(declared) && declared > this.maxBodyBytes
          ? (body.destroy(), new BodyTooLarge(0))
          : await readCapped(body, this.maxBodyBytes);
      if (signal.aborted) throw new Error("aborted");
      return text;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** A transport failure as {@link UpstreamHttpError} (status 0), never the axios error itself: its config holds the credentials. */
  private transportError(error: unknown, redacted: string): UpstreamHttpError {
    const code = isAxiosError(error) ? (error.code ?? "ERR_NETWORK") : error instanceof Error && "code" in error ? String(error.code) : "ERR_UNKNOWN";
    const detail = isAxiosError(error) && error.code === "ECONNABORTED" ? `timeout after ${this.deadlineMs} ms` : code;
    return new UpstreamHttpError(this.name, redacted, 0, detail, { code });
  }
}

/** Errors p-retry tries again: retryable HTTP errors (5xx, transport, deadline) and refused bodies. */
function isRetryable(error: unknown): boolean {
  return (error instanceof UpstreamHttpError && error.retryable) || error instanceof UpstreamBadBodyError;
}
