/**
 * A fault-injecting upstream for tests: a local HTTP server (127.0.0.1, a free port) in front of a real
 * upstream stand-in (usually a replay server of src/replay/), which forwards every request and, for the
 * requests a rule matches (method + path pattern + query match) at the attempt numbers the rule names,
 * answers with a fault instead of — or made from — the upstream's answer.
 *
 * Faults (see {@link Fault}): 429 with `Retry-After` (`0`, seconds, an HTTP-date, or none); 500/502/503
 * (optionally echoing the request URL, credentials included, as some upstreams do); a timeout (the socket is
 * held, never answered); a reset in the middle of the body; truncated JSON; malformed JSON; an HTML page with
 * status 200; an empty body; wrong field types (a transform of the upstream's JSON); OMDb's error answers
 * (`{"Response":"False","Error":"…"}`); an answer for another path with a transform (an id the upstream
 * does not have, answered consistently); the request URL and credentials echoed in a response header; a body
 * that trickles a byte at a time; a body far above any answer cap, streamed.
 *
 * The attempt number of a request is how many requests with the same method, path and query (credential
 * parameters left out) the server has seen, this one included: `attempts: [1]` faults the first request of
 * each matching key and lets its retry through. Every request is recorded ({@link FaultRequest}), so tests
 * can count the requests made again (by retries or by a resume).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** OMDb's error messages (`Error` of `{"Response":"False"}`), as seen or reported (docs/upstreams.md). */
export const OMDB_ERRORS = {
  limitReached: "Request limit reached!",
  invalidKey: "Invalid API key!",
  incorrectId: "Incorrect IMDb ID.",
  errorGettingData: "Error getting data.",
  notFound: "Movie not found!",
} as const;

/** A fault to answer with. */
export type Fault =
  /** 429; `retryAfter`: header value as given (`"0"`, `"2"`), seconds (number), an HTTP-date (Date), or none (null). */
  | { kind: "rate_limited"; retryAfter: string | number | Date | null; body?: unknown }
  /** A 5xx; `echoUrl` puts the request URL as received (credentials included) in the body and an `X-Request-Url` header. */
  | { kind: "server_error"; status: 500 | 502 | 503 | 504; body?: string; echoUrl?: boolean }
  /** Never answers: the socket is held open until the client gives up or the server closes. */
  | { kind: "timeout" }
  /** The upstream's status and headers, half its body, then the connection is destroyed. */
  | { kind: "reset_mid_body" }
  /** The upstream's status, the first half of its body as a complete message (Content-Length of the half). */
  | { kind: "truncated_json" }
  /** The upstream's body with a syntax error planted in it (its first `:` becomes `;`). */
  | { kind: "malformed_json" }
  /** Status 200 with an HTML error page (a proxy's or CDN's), `Content-Type: text/html`. */
  | { kind: "html_200"; echoUrl?: boolean }
  /** Status 200, `Content-Type: application/json`, no body. */
  | { kind: "empty_body" }
  /** The upstream's JSON answer passed through `transform` (e.g. a number made a string); status kept. */
  | { kind: "wrong_types"; transform: (json: unknown) => unknown }
  /** OMDb's error shape `{"Response":"False","Error":error}` with `status` (default 200; OMDb sends 401 for some). */
  | { kind: "omdb_error"; error: string; status?: number }
  /**
   * The upstream's answer for another path (same query), passed through `transform`: how a test makes an
   * upstream know a series under an id it does not have (`/3/tv/3000000000` answered from `/3/tv/1396` with
   * the id rewritten), consistently with a listing rewritten by `wrong_types`.
   */
  | { kind: "rewritten"; path: string; transform: (json: unknown) => unknown }
  /**
   * The upstream's answer with `header` added: the request URL as received and its `Authorization` header,
   * credentials included (as a debugging proxy might echo them).
   */
  | { kind: "echo_header"; header: string }
  /** The upstream's status and headers at once, then its body one byte every `intervalMs` (default 100): a trickle. */
  | { kind: "trickle"; intervalMs?: number }
  /**
   * Status 200, `Content-Type: application/json`, no Content-Length, and a JSON object of `bytes` bytes (a huge
   * `overview`) sent as fast as the client reads it, in 64 KiB chunks (the server never holds it whole).
   */
  | { kind: "oversized"; bytes: number };

/** The kind of a {@link Fault}. */
export type FaultKind = Fault["kind"];

/** When a rule applies: a method, a path (exact, or a pattern of the path), query parameters, attempts. */
export interface FaultRule {
  /** HTTP method (default any). */
  method?: string;
  /** The request path without the query: exact string, or a pattern. */
  path: string | RegExp;
  /** Query parameters the request must carry: exact value, or a pattern. Others may be present. */
  query?: Record<string, string | RegExp>;
  /** Attempt numbers (1-based) of each matching key that get the fault; default every attempt. */
  attempts?: readonly number[] | ((attempt: number) => boolean);
  fault: Fault;
}

/** A request the fault server saw. `key` and `query` never hold the credential parameters. */
export interface FaultRequest {
  method: string;
  /** `METHOD path?sorted-query`, credentials left out. */
  key: string;
  path: string;
  query: Record<string, string>;
  /** 1-based attempt number of this key. */
  attempt: number;
  /** The fault injected, or null when the request was passed through unchanged. */
  fault: FaultKind | null;
  /** Status sent; 0 when nothing complete was sent (timeout, reset). */
  status: number;
  at: number;
}

/** Options of {@link startFaultUpstream}. */
export interface FaultUpstreamOptions {
  /** Base URL of the upstream stand-in requests are forwarded to, e.g. a replay server's `url`. */
  target: string;
  rules?: FaultRule[];
  /** Query parameters that are credentials: not part of keys or records (default `api_key`, `apikey`). */
  credentialParams?: readonly string[];
  /** Query parameters added to every forwarded request (e.g. the replay's `api_key` when the client sends a Bearer token). */
  targetParams?: Record<string, string>;
}

/** A running fault server. */
export interface FaultUpstream {
  /** Base URL, e.g. `http://127.0.0.1:41234`: use it in place of the target's. */
  url: string;
  /** Every request seen, in order of arrival. */
  requests: FaultRequest[];
  /** Requests seen for `key` (`GET /3/tv/1396`), or all when omitted. */
  count(key?: string): number;
  /** Requests that got a fault. */
  faulted(): FaultRequest[];
  /** Replaces the rules (attempt counters are kept). */
  setRules(rules: FaultRule[]): void;
  /** Forgets the requests seen and the attempt counters. */
  reset(): void;
  /** Closes the server, ending held sockets. */
  close(): Promise<void>;
}

/** An HTTP-date (RFC 9110) for `Retry-After`. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}

/**
 * A copy of `json` with the value at the dotted `path` (`results.0.id`) replaced by `value`: the usual
 * "wrong field type" transform. Missing intermediate objects leave the copy unchanged.
 */
export function replaceAt(json: unknown, path: string, value: unknown): unknown {
  const copy: unknown = structuredClone(json);
  const parts = path.split(".");
  let node: unknown = copy;
  for (const [i, part] of parts.entries()) {
    if (node === null || typeof node !== "object") return copy;
    const last = i === parts.length - 1;
    if (Array.isArray(node)) {
      const index = Number(part);
      if (!Number.isInteger(index) || index < 0 || index >= node.length) return copy;
      if (last) node[index] = value;
      else node = node[index];
    } else {
      if (!isRecord(node)) return copy;
      const record = node;
      if (!(part in record)) return copy;
      if (last) record[part] = value;
      else node = record[part];
    }
  }
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const HTML_ERROR_PAGE = (detail: string) =>
  `<!DOCTYPE html>\n<html><head><title>503 Service Temporarily Unavailable</title></head>` +
  `<body><center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>${detail}</center></body></html>\n`;

/** Response headers not forwarded: hop-by-hop, or made wrong by re-sending a decoded body. */
const DROPPED_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"]);

function matches(rule: FaultRule, method: string, url: URL, attempt: number): boolean {
  if (rule.method && rule.method.toUpperCase() !== method) return false;
  if (typeof rule.path === "string" ? rule.path !== url.pathname : !rule.path.test(url.pathname)) return false;
  for (const [name, expected] of Object.entries(rule.query ?? {})) {
    const actual = url.searchParams.get(name);
    if (actual === null) return false;
    if (typeof expected === "string" ? actual !== expected : !expected.test(actual)) return false;
  }
  if (rule.attempts === undefined) return true;
  return typeof rule.attempts === "function" ? rule.attempts(attempt) : rule.attempts.includes(attempt);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** Starts a fault server in front of `options.target` on 127.0.0.1 (port 0: the system picks a free one). */
export async function startFaultUpstream(options: FaultUpstreamOptions): Promise<FaultUpstream> {
  const target = options.target.replace(/\/+$/, "");
  const credentials = new Set(options.credentialParams ?? ["api_key", "apikey"]);
  let rules = options.rules ?? [];
  const requests: FaultRequest[] = [];
  const attempts = new Map<string, number>();
  const held = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(599, { "content-type": "text/plain" });
      res.end(`fault upstream failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fault.invalid");
    const query = Object.fromEntries([...url.searchParams.entries()].filter(([k]) => !credentials.has(k)).sort(([a], [b]) => a.localeCompare(b)));
    const queryText = new URLSearchParams(query).toString();
    const key = `${method} ${url.pathname}${queryText ? `?${queryText}` : ""}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const rule = rules.find((r) => matches(r, method, url, attempt));
    const record: FaultRequest = { method, key, path: url.pathname, query, attempt, fault: rule?.fault.kind ?? null, status: 0, at: Date.now() };
    requests.push(record);
    const requestBody = await readBody(req);

    const send = (status: number, headers: Record<string, string>, body: string | Buffer) => {
      record.status = status;
      const payload = typeof body === "string" ? Buffer.from(body) : body;
      res.writeHead(status, { ...headers, "content-length": String(payload.length) });
      res.end(payload);
    };
    const json = (status: number, value: unknown, extra: Record<string, string> = {}) =>
      send(status, { "content-type": "application/json; charset=utf-8", ...extra }, JSON.stringify(value));
    const fault = rule?.fault;

    // Faults that do not need the upstream's answer.
    if (fault?.kind === "timeout") {
      held.add(res);
      res.on("close", () => held.delete(res));
      return;
    }
    if (fault?.kind === "rate_limited") {
      const retryAfter = fault.retryAfter instanceof Date ? httpDate(fault.retryAfter) : fault.retryAfter === null ? null : String(fault.retryAfter);
      return json(
        429,
        fault.body ?? { success: false, status_code: 25, status_message: "Your request count (41) is over the allowed limit of 40." },
        retryAfter === null ? {} : { "retry-after": retryAfter },
      );
    }
    if (fault?.kind === "server_error") {
      const echoed = fault.echoUrl ? ` for ${req.url ?? ""}` : "";
      return send(
        fault.status,
        { "content-type": "text/plain; charset=utf-8", ...(fault.echoUrl ? { "x-request-url": req.url ?? "" } : {}) },
        `${fault.body ?? `${fault.status} upstream error`}${echoed}`,
      );
    }
    if (fault?.kind === "html_200")
      return send(200, { "content-type": "text/html; charset=utf-8" }, HTML_ERROR_PAGE(fault.echoUrl ? `request ${req.url ?? ""}` : "nginx"));
    if (fault?.kind === "empty_body") return send(200, { "content-type": "application/json; charset=utf-8" }, "");
    if (fault?.kind === "omdb_error") return json(fault.status ?? 200, { Response: "False", Error: fault.error });
    if (fault?.kind === "oversized") {
      record.status = 200;
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      const head = Buffer.from('{"id":1,"overview":"');
      const tail = Buffer.from('"}');
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      let left = Math.max(0, fault.bytes - head.length - tail.length);
      res.write(head);
      const pump = () => {
        while (left > 0 && !res.destroyed) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (!res.write(piece)) return void res.once("drain", pump);
        }
        if (!res.destroyed) res.end(tail);
      };
      pump();
      return;
    }

    // The others are made from the upstream's answer.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === "host" || DROPPED_HEADERS.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const forwardUrl = new URL(fault?.kind === "rewritten" ? `${fault.path}${url.search}` : (req.url ?? "/"), "http://fault.invalid");
    for (const [name, value] of Object.entries(options.targetParams ?? {})) forwardUrl.searchParams.set(name, value);
    const forwarded = options.targetParams
      ? `${forwardUrl.pathname}${forwardUrl.search}`
      : fault?.kind === "rewritten"
        ? `${fault.path}${url.search}`
        : (req.url ?? "/");
    const upstream = await fetch(`${target}${forwarded}`, {
      method,
      headers,
      body: method === "GET" || method === "HEAD" ? undefined : new Uint8Array(requestBody),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    const upstreamHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!DROPPED_HEADERS.has(name)) upstreamHeaders[name] = value;
    });

    if (fault === undefined) return send(upstream.status, upstreamHeaders, body);
    switch (fault.kind) {
      case "reset_mid_body": {
        res.writeHead(upstream.status, { ...upstreamHeaders, "content-length": String(body.length) });
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        // Let the half reach the client before the connection goes.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      case "truncated_json":
        return send(upstream.status, upstreamHeaders, body.subarray(0, Math.floor(body.length / 2)));
      case "malformed_json": {
        const text = body.toString("utf8");
        return send(upstream.status, upstreamHeaders, text.includes(":") ? text.replace(":", ";") : `{${text}`);
      }
      case "trickle": {
        record.status = upstream.status;
        res.writeHead(upstream.status, { ...upstreamHeaders, "content-length": String(body.length) });
        held.add(res);
        let sent = 0;
        const timer = setInterval(() => {
          if (sent >= body.length || res.destroyed) return clearInterval(timer);
          res.write(body.subarray(sent, sent + 1));
          sent += 1;
          if (sent === body.length) res.end();
        }, fault.intervalMs ?? 100);
        res.on("close", () => {
          clearInterval(timer);
          held.delete(res);
        });
        return;
      }
      case "echo_header":
        return send(upstream.status, { ...upstreamHeaders, [fault.header]: `${req.url ?? ""} ${req.headers.authorization ?? ""}`.trim() }, body);
      case "rewritten":
      case "wrong_types": {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString("utf8"));
        } catch {
          throw new Error(`wrong_types needs a JSON answer from the upstream for ${key}`);
        }
        return send(
          upstream.status,
          { ...upstreamHeaders, "content-type": "application/json; charset=utf-8" },
          JSON.stringify(fault.transform(parsed)),
        );
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address: AddressInfo | string | null = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (key) => (key === undefined ? requests.length : requests.filter((r) => r.key === key).length),
    faulted: () => requests.filter((r) => r.fault !== null),
    setRules(next) {
      rules = next;
    },
    reset() {
      requests.length = 0;
      attempts.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
