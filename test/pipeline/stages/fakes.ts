/**
 * Fakes for the stage unit tests: an upstream client answering from a function (counting requests and the
 * most in flight at once), an answer store writing to memory, a quarantine and a facts writer that record.
 */
import { pino } from "pino";
import type { RatingObservation } from "../../../src/domain.js";
import { UpstreamHttpError } from "../../../src/errors.js";
import type { HttpResponse, QueryParams, RequestOptions, UpstreamClient } from "../../../src/http/client.js";
import type { UpstreamAnswerRow } from "../../../src/load/upstream-answers.js";
import type { QuarantineEntry } from "../../../src/load/quarantine.js";
import type { UpstreamName } from "../../../src/metrics/metrics.js";
import { AnswerStore } from "../../../src/pipeline/answer-store.js";
import { silentProgress } from "../../../src/pipeline/progress.js";
import type { FactWriter, QuarantineSink } from "../../../src/pipeline/stages/deps.js";
import { SecretScrubber } from "../../../src/secrets.js";

/** An answer of the fake upstream: a status and a JSON body (or text). */
export interface FakeAnswer {
  status?: number;
  body: unknown;
}

/** A fake client; `answer` decides per request, `delayMs` keeps requests in flight for a while. */
export interface FakeClient extends UpstreamClient {
  requests: string[];
  maxInFlight: number;
}

export function fakeClient(name: UpstreamName, answer: (path: string, params: QueryParams | undefined) => FakeAnswer, delayMs = 1): FakeClient {
  let inFlight = 0;
  const client: FakeClient = {
    name,
    requests: [],
    maxInFlight: 0,
    async get(path: string, params?: QueryParams, options?: RequestOptions): Promise<HttpResponse> {
      const url = client.describe(path, params);
      client.requests.push(url);
      inFlight += 1;
      client.maxInFlight = Math.max(client.maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, delayMs));
        const a = answer(path, params);
        const status = a.status ?? 200;
        if (status >= 400 && !options?.acceptStatus?.(status)) throw new UpstreamHttpError(name, url, status, "fake");
        return { status, headers: {}, text: typeof a.body === "string" ? a.body : JSON.stringify(a.body), url };
      } finally {
        inFlight -= 1;
      }
    },
    describe(path: string, params?: QueryParams) {
      const query = new URLSearchParams(Object.entries(params ?? {}).map(([k, v]) => [k, String(v)])).toString();
      return `fake://${name}${path}${query ? `?${query}` : ""}`;
    },
    stats: () => ({ requests: client.requests.length, retries: 0, throttled: 0, failures: 0, pauses: 0, pausedSeconds: 0, badBodies: 0 }),
    stop: async () => undefined,
  };
  return client;
}

/** An answer store over `earlier` rows whose writes land in `written`. */
export function memoryAnswers(earlier: UpstreamAnswerRow[] = []): { answers: AnswerStore; written: UpstreamAnswerRow[] } {
  const written: UpstreamAnswerRow[] = [];
  const answers = AnswerStore.fromRows(1, new SecretScrubber([]), earlier, {
    async add(row) {
      written.push(row);
    },
    async flush() {},
  });
  return { answers, written };
}

/** A quarantine that records what it is given. */
export function recordingQuarantine(): QuarantineSink & {
  rejected: QuarantineEntry[];
  drifted: QuarantineEntry[];
  flagged: QuarantineEntry[];
  flushes: number;
} {
  const q = {
    rejected: [] as QuarantineEntry[],
    drifted: [] as QuarantineEntry[],
    flagged: [] as QuarantineEntry[],
    flushes: 0,
    reject: (e: QuarantineEntry) => void q.rejected.push(e),
    drift: (e: QuarantineEntry) => void q.drifted.push(e),
    flag: (e: QuarantineEntry) => {
      if (e.issues.length > 0) q.flagged.push(e);
    },
    flush: async () => {
      q.flushes += 1;
    },
  };
  return q;
}

/** A facts writer that keeps the observations (`overwritten`: those written with precedence). */
export function recordingFacts(): FactWriter & { written: RatingObservation[]; overwritten: RatingObservation[] } {
  const f = {
    written: [] as RatingObservation[],
    overwritten: [] as RatingObservation[],
    async write(observations: readonly RatingObservation[]) {
      f.written.push(...observations);
    },
    async overwrite(observations: readonly RatingObservation[]) {
      f.overwritten.push(...observations);
    },
  };
  return f;
}

/** The parts of the stage deps that are the same in every test. */
export const quiet = { logger: pino({ level: "silent" }), progress: silentProgress };
