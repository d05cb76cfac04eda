/**
 * Local replay servers standing in for the upstreams (TMDB, OMDb, Wikidata, Rotten Tomatoes, Metacritic)
 * in tests, the demo (`npm start` without credentials) and the benchmark. Each serves a map of route key →
 * response on 127.0.0.1 (port 0 unless given), optionally checking credentials, adding latency and
 * enforcing a rate limit (token bucket → 429 with Retry-After), and records every request it answered.
 *
 * A route's value may be a list of responses, served in order (the last one repeats): `[429, 200]` proves
 * that Retry-After is honoured, `[500, 500, 200]` that retries work.
 */
import http from "node:http";

/** One canned response. A non-string body is sent as JSON. */
export interface ReplayResponse {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Extra delay before answering, milliseconds. */
  delayMs?: number;
}

/** A route: one response, or a sequence. */
export type ReplayRoute = ReplayResponse | ReplayResponse[];

/** A request the server answered. `key` is the route key (credentials never part of it). */
export interface ReplayRequest {
  key: string;
  status: number;
  /** The credential the request carried (query parameter or Authorization header), for assertions. */
  credential: string | null;
  at: number;
}

export interface ReplayServerOptions {
  name: string;
  routes: Map<string, ReplayRoute>;
  /** Credentials the upstream requires: a query parameter (`api_key`, `apikey`) or a Bearer token. */
  auth?: { param?: string; bearer?: boolean; values: string[]; unauthorized: ReplayResponse };
  /** Query parameters that are not part of the route key (beside the auth parameter). */
  ignoreParams?: string[];
  /** Fixed latency added to every answer, milliseconds. */
  latencyMs?: number;
  /** Token bucket: at most `perSecond` requests per second with bursts of `burst`; excess gets 429. */
  rateLimit?: { perSecond: number; burst: number };
  /** Answer for unknown routes (default 404 with a JSON error). */
  notFound?: (key: string) => ReplayResponse;
  port?: number;
}

/** A running replay server. */
export interface ReplayServer {
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  requests: ReplayRequest[];
  /** Requests answered for `key` (all keys when omitted). */
  count(key?: string): number;
  /** Replaces or adds a route. */
  setRoute(key: string, route: ReplayRoute): void;
  close(): Promise<void>;
}

/**
 * The route key of a request: path plus its query parameters in sorted order, without credentials and
 * ignored parameters. E.g. `/3/tv/top_rated?page=2`, `/?i=tt0903747&type=series`.
 */
export function routeKey(url: URL, ignore: ReadonlySet<string>): string {
  const params = [...url.searchParams.entries()].filter(([k]) => !ignore.has(k)).sort(([a], [b]) => a.localeCompare(b));
  const query = new URLSearchParams(params).toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

/** Starts a replay server. */
export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const ignore = new Set([...(options.ignoreParams ?? []), ...(options.auth?.param ? [options.auth.param] : [])]);
  const routes = options.routes;
  const served = new Map<string, number>();
  const requests: ReplayRequest[] = [];
  let tokens = options.rateLimit?.burst ?? 0;
  let refilledAt = Date.now();

  const take = (): boolean => {
    if (!options.rateLimit) return true;
    const now = Date.now();
    tokens = Math.min(options.rateLimit.burst, tokens + ((now - refilledAt) / 1000) * options.rateLimit.perSecond);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://replay.local");
    const key = routeKey(url, ignore);
    const authHeader = req.headers.authorization;
    const credential = options.auth?.param
      ? url.searchParams.get(options.auth.param)
      : typeof authHeader === "string" && authHeader.startsWith("Bearer ")
        ? authHeader.slice(7)
        : null;
    let response: ReplayResponse;
    if (!take()) {
      response = {
        status: 429,
        body: { status_code: 25, status_message: "Your request count (#) is over the allowed limit of (40).", success: false },
        headers: { "Retry-After": "1" },
      };
    } else if (options.auth && !(credential !== null && options.auth.values.includes(credential))) {
      response = options.auth.unauthorized;
    } else {
      const route = routes.get(key);
      if (route === undefined) {
        response = options.notFound?.(key) ?? {
          status: 404,
          body: { status_code: 34, status_message: "The resource you requested could not be found.", success: false },
        };
      } else if (Array.isArray(route)) {
        const n = served.get(key) ?? 0;
        served.set(key, n + 1);
        response = route[Math.min(n, route.length - 1)] ?? { status: 500, body: "empty route" };
      } else {
        response = route;
      }
    }
    const status = response.status ?? 200;
    requests.push({ key, status, credential, at: Date.now() });
    const isText = typeof response.body === "string";
    const body = isText ? String(response.body) : JSON.stringify(response.body);
    const headers = { "Content-Type": isText ? "text/html; charset=utf-8" : "application/json;charset=utf-8", ...response.headers };
    const delay = (options.latencyMs ?? 0) + (response.delayMs ?? 0);
    const send = () => {
      res.writeHead(status, headers);
      res.end(body);
    };
    if (delay > 0) setTimeout(send, delay);
    else send();
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error(`replay ${options.name} is not listening on a TCP port`);
  const { port } = address;
  return {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (key) => (key === undefined ? requests.length : requests.filter((r) => r.key === key).length),
    setRoute: (key, route) => {
      routes.set(key, route);
      served.delete(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
