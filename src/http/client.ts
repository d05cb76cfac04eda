/**
 * One HTTP client per upstream: an axios instance, a bottleneck limiter with a rate controller in front of
 * the wire, and a retry policy (p-retry).
 *
 * - Rate: `requestsPerSecond` spaced evenly (bottleneck `minTime`, and the same spacing checked again at the
 *   moment a request goes on the wire, so that timers firing late never send a burst), at most
 *   `maxConcurrent` in flight (what the upstream tolerates per client: TMDB about 20 connections).
 * - 429: the whole upstream pauses at once for `Retry-After` (at least 1 s, also when it says 0). The pause
 *   is taken before any further request is released: bottleneck's reservoir drops to 0, and a request that
 *   bottleneck had already released but not yet sent goes back to the queue instead of to the wire. When
 *   the pause ends, one request probes the upstream; when it is answered with anything but 429, requests
 *   resume at `rampStartFraction` of the rate and step up to the full rate within `rampMs`. A 429 that comes
 *   soon (`settleMs`) after the rate was raised shows that the upstream tolerates less than that: the rate's
 *   ceiling drops to 80 % of the rate at that moment, and creeps back up by 10 % every `creepMs` without a
 *   429, up to `requestsPerSecond` (so a limit set too high costs a few pauses, not one every second). An
 *   isolated 429 leaves the ceiling alone. A storm of 429s is one pause: counted (stats `throttled`, `pauses`; metrics), logged once, and it does not use up
 *   retries. Only a request that has met nothing but 429s for `rateLimitDeadlineMs` (15 minutes by
 *   default) fails, with {@link RateLimitedError}.
 * - 5xx, timeouts, connection errors, and 2xx bodies refused by the request's `checkBody`: retried up to
 *   `maxRetries` times with capped exponential backoff and jitter. Other 4xx: not retried
 *   ({@link UpstreamHttpError}, `retryable` false).
 * - Credentials are added per request and never appear in a URL or body excerpt that is logged or thrown.
 *
 * Other upstreams have their own limiter and rate controller, so they keep going during a pause.
 */
import axios, { type AxiosInstance, isAxiosError } from "axios";
import Bottleneck from "bottleneck";
import pRetry, { AbortError } from "p-retry";
import type { Logger } from "pino";
import { RateLimitedError, UpstreamBadBodyError, UpstreamHttpError } from "../errors.js";
import { type HarvesterMetrics, type UpstreamName, statusClass } from "../metrics/metrics.js";
import { SecretScrubber, redactUrl } from "../secrets.js";
import type { BodyCheck } from "./body-check.js";
import { parseRetryAfter } from "./retry-after.js";

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

/** How requests resume after a pause; see {@link createUpstreamClient}. */
export interface RateControlOptions {
  /** Share of `requestsPerSecond` at which requests resume after a pause, 0–1 (default 0.5). */
  rampStartFraction?: number;
  /** Time from the resumed rate to the full rate, ms (default 1500), in `rampSteps` equal steps (default 6). */
  rampMs?: number;
  rampSteps?: number;
  /** A 429 within this time (ms) of a raise of the rate lowers the rate's ceiling (default 5000). */
  settleMs?: number;
  /** The lowered ceiling rises by 10 % after every this many ms without a 429 (default 5000). */
  creepMs?: number;
}

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
  timeoutMs: number;
  requestsPerSecond: number;
  maxConcurrent: number;
  retry: RetryPolicy;
  rateControl?: RateControlOptions;
  /** Credentials: query parameters and/or headers added to every request, never reported. */
  auth?: { params?: Record<string, string>; headers?: Record<string, string> };
  userAgent?: string;
  metrics?: HarvesterMetrics;
  logger?: Logger;
  /** Clock (ms since the epoch, for HTTP-date Retry-After values and deadlines) and sleep, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The client of one upstream. */
export interface UpstreamClient {
  readonly name: UpstreamName;
  /**
   * GET `path` (relative to the base URL) with `params`.
   * @throws {UpstreamHttpError} non-2xx not accepted by `acceptStatus`, or transport failure after retries
   * @throws {UpstreamBadBodyError} the body failed `checkBody` on every attempt
   * @throws {RateLimitedError} the request met nothing but 429s for `rateLimitDeadlineMs`
   */
  get(path: string, params?: QueryParams, options?: RequestOptions): Promise<HttpResponse>;
  /** The URL a request would have, without credentials. */
  describe(path: string, params?: QueryParams): string;
  stats(): UpstreamClientStats;
  /** Stops the limiter and the rate controller's timers; pending requests are dropped. */
  stop(): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/**
 * Where the rate controller stands: `open` (full rate), `paused` (after a 429, nothing is released),
 * `probing` (the pause is over; one request tests the upstream), `ramping` (back from a fraction of the rate).
 */
type Phase = "open" | "paused" | "probing" | "ramping";

/** What the gate in front of the wire decided for one released job. */
type Admission = "send" | "probe" | "hold";

/** A job that bottleneck released during a pause: it goes back to the queue, not to the wire. */
const HELD = Symbol("held");

/** Creates the client of one upstream. See the module comment for the policy. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const { metrics, logger, name } = options;
  const rampStartFraction = Math.min(1, Math.max(0.05, options.rateControl?.rampStartFraction ?? 0.5));
  const rampSteps = Math.max(1, Math.round(options.rateControl?.rampSteps ?? 6));
  const rampMs = Math.max(0, options.rateControl?.rampMs ?? 1500);
  const deadlineMs = options.retry.rateLimitDeadlineMs ?? DEFAULT_RATE_LIMIT_DEADLINE_MS;
  const scrubber = new SecretScrubber(credentialValues(options.auth));
  /** Spacing (ms) between requests at a share `fraction` of the rate. */
  const settleMs = options.rateControl?.settleMs ?? 5000;
  const creepMs = options.rateControl?.creepMs ?? 5000;
  /** The highest rate (requests/s) requests resume to: `requestsPerSecond` until the upstream shows it is too much. */
  let ceiling = options.requestsPerSecond;
  const minimumCeiling = options.requestsPerSecond * 0.05;
  /** When the rate was last raised (ms, `now()`): the ramp's start, its steps, a creep step. */
  let raisedAt = Number.NEGATIVE_INFINITY;
  /** Spacing (ms) between requests at a share `fraction` of the ceiling. */
  const spacingAt = (fraction: number) => Math.ceil(1000 / (ceiling * fraction));

  let minTime = spacingAt(1);
  const limiter = new Bottleneck({ maxConcurrent: options.maxConcurrent, minTime });
  const http: AxiosInstance = axios.create({
    timeout: options.timeoutMs,
    responseType: "text",
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 5,
    headers: {
      "User-Agent": options.userAgent ?? "tv-harvester/0.1",
      Accept: "application/json, text/html;q=0.9, */*;q=0.5",
    },
  });
  const stats: UpstreamClientStats = { requests: 0, retries: 0, throttled: 0, failures: 0, pauses: 0, pausedSeconds: 0, badBodies: 0 };

  // The rate controller's state. Bottleneck queues and bounds concurrency; this decides when the queue moves.
  let phase: Phase = "open";
  /** Until when (ms, `now()`) the upstream is paused. */
  let pausedUntil = 0;
  /** When the current pause began (ms, `now()`), for `pausedSeconds`. */
  let pauseStartedAt = 0;
  let probeTaken = false;
  /** The earliest time (ms, performance.now()) the next request may go on the wire. */
  let nextSendAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const schedule = (ms: number, fn: () => void) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = stopped ? undefined : setTimeout(fn, Math.max(0, ms));
  };
  const setSpacing = (fraction: number, reservoir: number | null | undefined) => {
    minTime = spacingAt(fraction);
    void limiter.updateSettings(reservoir === undefined ? { minTime } : { minTime, reservoir });
  };

  /** A 429 arrived: stop releasing requests at once and (re)arm the end of the pause. */
  function pauseFor(seconds: number, redactedUrl: string): void {
    if (phase === "open" || phase === "ramping") {
      if (now() - raisedAt < settleMs) ceiling = Math.max(minimumCeiling, (1000 / minTime) * 0.8);
      stats.pauses += 1;
      pauseStartedAt = now();
      metrics?.httpRateLimitPauses.inc({ upstream: name });
      logger?.warn(
        { upstream: name, url: redactedUrl, retryAfterSeconds: seconds, resumeRequestsPerSecond: Math.round(ceiling * 100) / 100 },
        "rate limited (429): upstream paused; requests resume after Retry-After",
      );
    }
    phase = "paused";
    pausedUntil = Math.max(pausedUntil, now() + seconds * 1000);
    void limiter.updateSettings({ reservoir: 0 });
    schedule(pausedUntil - now(), endPause);
  }

  /** The pause is over: release exactly one request, the probe. */
  function endPause(): void {
    const left = pausedUntil - now();
    if (left > 0) return schedule(left, endPause);
    phase = "probing";
    probeTaken = false;
    void limiter.updateSettings({ reservoir: 1 });
  }

  /** The probe was answered with something other than 429: resume at a fraction of the rate and ramp up. */
  function recover(): void {
    stats.pausedSeconds += Math.max(0, now() - pauseStartedAt) / 1000;
    phase = "ramping";
    rampTo(0);
  }

  function rampTo(step: number): void {
    if (phase !== "ramping") return;
    const fraction = rampStartFraction + ((1 - rampStartFraction) * step) / rampSteps;
    raisedAt = now();
    setSpacing(fraction, step === 0 ? null : undefined);
    if (step >= rampSteps || fraction >= 1) {
      phase = "open";
      if (ceiling < options.requestsPerSecond) schedule(creepMs, creep);
      return;
    }
    schedule(rampMs / rampSteps, () => rampTo(step + 1));
  }

  /** No 429 for `creepMs` under a lowered ceiling: raise it by 10 %, up to `requestsPerSecond`. */
  function creep(): void {
    if (phase !== "open") return;
    ceiling = Math.min(options.requestsPerSecond, ceiling * 1.1);
    raisedAt = now();
    setSpacing(1, undefined);
    if (ceiling < options.requestsPerSecond) schedule(creepMs, creep);
  }

  /**
   * The gate right in front of the wire, for a job bottleneck released: keep the spacing at send time
   * (bottleneck spaces releases, but timers that fire late would otherwise send together), and hold
   * everything but one probe while the upstream is paused.
   */
  async function admit(): Promise<Admission> {
    if (phase === "open" || phase === "ramping") {
      const at = Math.max(performance.now(), nextSendAt);
      nextSendAt = at + minTime;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
    }
    if (phase === "paused") return "hold";
    if (phase === "probing") {
      if (probeTaken) return "hold";
      probeTaken = true;
      return "probe";
    }
    return "send";
  }

  /** One request on the wire. Returns the raw answer, or the transport error (already counted). */
  async function wire(url: string, headers: Record<string, string> | undefined, redacted: string): Promise<HttpResponse | UpstreamHttpError> {
    const started = performance.now();
    stats.requests += 1;
    try {
      const response = await http.get<string>(url, { headers: { ...options.auth?.headers, ...headers } });
      const status = response.status;
      metrics?.httpRequests.inc({ upstream: name, status_class: statusClass(status) });
      metrics?.httpLatency.observe({ upstream: name }, (performance.now() - started) / 1000);
      return {
        status,
        headers: lowerCaseHeaders(response.headers),
        text: typeof response.data === "string" ? response.data : String(response.data ?? ""),
        url: redacted,
      };
    } catch (error) {
      metrics?.httpRequests.inc({ upstream: name, status_class: "error" });
      metrics?.httpLatency.observe({ upstream: name }, (performance.now() - started) / 1000);
      // Never keep the axios error: its config holds the credentials.
      const code = isAxiosError(error) ? (error.code ?? "ERR_NETWORK") : "ERR_UNKNOWN";
      const detail = isAxiosError(error) && error.code === "ECONNABORTED" ? `timeout after ${options.timeoutMs} ms` : code;
      return new UpstreamHttpError(name, redacted, 0, detail, { code });
    }
  }

  /**
   * One attempt: queued in the limiter until the gate lets it on the wire (held jobs queue again, ahead of
   * new ones). A 429 pauses the upstream before the job ends. Throws the transport error.
   */
  async function send(url: string, headers: Record<string, string> | undefined, redacted: string): Promise<HttpResponse> {
    let priority = 5;
    for (;;) {
      const queuedAt = now();
      const outcome = await limiter.schedule({ priority }, async () => {
        metrics?.rateLimiterWait.inc({ upstream: name }, Math.max(0, now() - queuedAt) / 1000);
        const admission = await admit();
        if (admission === "hold") return HELD;
        const result = await wire(url, headers, redacted);
        if (!(result instanceof UpstreamHttpError) && result.status === 429) {
          stats.throttled += 1;
          metrics?.httpThrottled.inc({ upstream: name });
          pauseFor(parseRetryAfter(result.headers["retry-after"], now()), redacted);
        } else if (admission === "probe" && phase === "probing") {
          recover();
        }
        return result;
      });
      if (outcome === HELD) {
        priority = 4;
        continue;
      }
      if (outcome instanceof UpstreamHttpError) throw outcome;
      return outcome;
    }
  }

  async function get(path: string, params?: QueryParams, requestOptions: RequestOptions = {}): Promise<HttpResponse> {
    const url = buildUrl(options.baseUrl, path, { ...params, ...options.auth?.params });
    const redacted = redactUrl(url);
    const accept = requestOptions.acceptStatus ?? (() => false);
    return pRetry(
      async () => {
        let throttledSince: number | undefined;
        for (;;) {
          const response = await send(url, requestOptions.headers, redacted);
          if (response.status === 429) {
            throttledSince ??= now();
            if (now() - throttledSince >= deadlineMs) {
              throw new AbortError(new RateLimitedError(name, redacted, parseRetryAfter(response.headers["retry-after"], now())));
            }
            continue;
          }
          if ((response.status >= 200 && response.status < 300) || accept(response.status)) {
            const verdict = requestOptions.checkBody?.(response) ?? { ok: true };
            if (verdict.ok) return response;
            stats.badBodies += 1;
            metrics?.httpBadBody.inc({ upstream: name, reason: verdict.reason });
            const excerpt = scrubber.scrubText(response.text.slice(0, 4 * BODY_EXCERPT_CHARS)).slice(0, BODY_EXCERPT_CHARS);
            throw new UpstreamBadBodyError(name, redacted, response.status, verdict.reason, verdict.detail, excerpt);
          }
          const detail = scrubber.scrubText(response.text.slice(0, 800)).slice(0, 200).replace(/\s+/g, " ");
          const error = new UpstreamHttpError(name, redacted, response.status, detail);
          if (error.retryable) throw error;
          throw new AbortError(error);
        }
      },
      {
        retries: options.retry.maxRetries,
        factor: 2,
        minTimeout: options.retry.backoffBaseMs,
        maxTimeout: options.retry.backoffMaxMs,
        randomize: true,
        shouldRetry: ({ error }) => isRetryable(error),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (isRetryable(error) && retriesLeft > 0) {
            stats.retries += 1;
            metrics?.httpRetries.inc({ upstream: name });
            const status = error instanceof UpstreamHttpError || error instanceof UpstreamBadBodyError ? error.status : undefined;
            logger?.warn(
              { upstream: name, url: redacted, attempt: attemptNumber, retriesLeft, status, err: error.message },
              "request failed; retrying",
            );
          }
        },
      },
    ).catch((error: unknown) => {
      stats.failures += 1;
      throw error;
    });
  }

  return {
    name,
    get,
    describe: (path, params) => redactUrl(buildUrl(options.baseUrl, path, params)),
    stats: () => ({ ...stats }),
    stop: async () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await limiter.stop({ dropWaitingJobs: true });
    },
  };
}

/** Errors p-retry tries again: retryable HTTP errors (5xx, transport) and refused bodies. */
function isRetryable(error: unknown): boolean {
  return (error instanceof UpstreamHttpError && error.retryable) || error instanceof UpstreamBadBodyError;
}
