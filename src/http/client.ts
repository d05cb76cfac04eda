/**
 * One HTTP client per upstream: an axios instance, a bottleneck limiter, a Retry-After gate and a retry
 * policy (p-retry).
 *
 * - Rate: `requestsPerSecond` spaced evenly (bottleneck `minTime`), at most `maxConcurrent` in flight.
 * - 429: the whole upstream pauses for `Retry-After` (at least 1 s, also when it says 0); the request is
 *   sent again without using up a retry, at most `maxRateLimitWaits` times. Other upstreams have their own
 *   limiter and gate, so they keep going.
 * - 5xx, timeouts and connection errors: retried up to `maxRetries` times with capped exponential backoff
 *   and jitter. Other 4xx: not retried ({@link UpstreamHttpError}, `retryable` false).
 * - Credentials are added per request and never appear in a URL that is logged, thrown or stored.
 */
import axios, { type AxiosInstance, isAxiosError } from "axios";
import Bottleneck from "bottleneck";
import pRetry, { AbortError } from "p-retry";
import type { Logger } from "pino";
import { RateLimitedError, UpstreamHttpError } from "../errors.js";
import { type HarvesterMetrics, type UpstreamName, statusClass } from "../metrics/metrics.js";
import { redactUrl } from "../secrets.js";
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
}

/** Retry policy; see {@link createUpstreamClient}. */
export interface RetryPolicy {
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxRateLimitWaits: number;
}

/** Counters of one client, for the run summary. */
export interface UpstreamStats {
  requests: number;
  retries: number;
  throttled: number;
  failures: number;
}

export interface UpstreamClientOptions {
  name: UpstreamName;
  /** Base URL without trailing slash; request paths are appended. */
  baseUrl: string;
  timeoutMs: number;
  requestsPerSecond: number;
  maxConcurrent: number;
  retry: RetryPolicy;
  /** Credentials: query parameters and/or headers added to every request, never reported. */
  auth?: { params?: Record<string, string>; headers?: Record<string, string> };
  userAgent?: string;
  metrics?: HarvesterMetrics;
  logger?: Logger;
  /** Clock (ms) and sleep, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The client of one upstream. */
export interface UpstreamClient {
  readonly name: UpstreamName;
  /**
   * GET `path` (relative to the base URL) with `params`.
   * @throws {UpstreamHttpError} non-2xx not accepted by `acceptStatus`, or transport failure after retries
   * @throws {RateLimitedError} after `maxRateLimitWaits` consecutive 429s
   */
  get(path: string, params?: QueryParams, options?: RequestOptions): Promise<HttpResponse>;
  /** The URL a request would have, without credentials. */
  describe(path: string, params?: QueryParams): string;
  stats(): UpstreamStats;
  /** Stops the limiter; pending requests are dropped. */
  stop(): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** Creates the client of one upstream. See the module comment for the policy. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const { metrics, logger, name } = options;
  const limiter = new Bottleneck({
    maxConcurrent: options.maxConcurrent,
    minTime: Math.ceil(1000 / options.requestsPerSecond),
  });
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
  const stats: UpstreamStats = { requests: 0, retries: 0, throttled: 0, failures: 0 };
  /** Until when (ms) the whole upstream waits, after a 429. */
  let pausedUntil = 0;

  async function waitForGate(): Promise<void> {
    for (;;) {
      const wait = pausedUntil - now();
      if (wait <= 0) return;
      metrics?.rateLimiterWait.inc({ upstream: name }, wait / 1000);
      await sleep(wait);
    }
  }

  /** One attempt on the wire, inside the limiter. Returns the raw answer or throws a transport error. */
  async function send(url: string, headers: Record<string, string> | undefined): Promise<HttpResponse> {
    const redacted = redactUrl(url);
    const queuedAt = now();
    return limiter.schedule(async () => {
      metrics?.rateLimiterWait.inc({ upstream: name }, Math.max(0, now() - queuedAt) / 1000);
      await waitForGate();
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
        throw new UpstreamHttpError(name, redacted, 0, detail, { code });
      }
    });
  }

  async function get(path: string, params?: QueryParams, requestOptions: RequestOptions = {}): Promise<HttpResponse> {
    const url = buildUrl(options.baseUrl, path, { ...params, ...options.auth?.params });
    const redacted = redactUrl(url);
    const accept = requestOptions.acceptStatus ?? (() => false);
    return pRetry(
      async () => {
        for (let waits = 0; ; waits++) {
          const response = await send(url, requestOptions.headers);
          if (response.status === 429) {
            stats.throttled += 1;
            metrics?.httpThrottled.inc({ upstream: name });
            const seconds = parseRetryAfter(response.headers["retry-after"], now());
            if (waits >= options.retry.maxRateLimitWaits) {
              throw new AbortError(new RateLimitedError(name, redacted, seconds));
            }
            pausedUntil = Math.max(pausedUntil, now() + seconds * 1000);
            logger?.warn({ upstream: name, url: redacted, retryAfterSeconds: seconds }, "rate limited (429); waiting");
            continue;
          }
          if ((response.status >= 200 && response.status < 300) || accept(response.status)) return response;
          const error = new UpstreamHttpError(name, redacted, response.status, response.text.slice(0, 200).replace(/\s+/g, " "));
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
        shouldRetry: ({ error }) => error instanceof UpstreamHttpError && error.retryable,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (error instanceof UpstreamHttpError && error.retryable && retriesLeft > 0) {
            stats.retries += 1;
            metrics?.httpRetries.inc({ upstream: name });
            logger?.warn({ upstream: name, url: redacted, attempt: attemptNumber, retriesLeft, status: error.status, err: error.message }, "request failed; retrying");
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
      await limiter.stop({ dropWaitingJobs: true });
    },
  };
}
