/**
 * The answer store classifies answers before it keeps them: a body refused by the endpoint's schema is never
 * kept (so a resume asks again) and comes back as a RefusedAnswerError with the quarantine's reason; a good
 * answer is made PostgreSQL-safe (NUL removed) before it is kept, and the caller sees the kept value.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UpstreamBadBodyError } from "../../src/errors.js";
import type { HttpResponse, QueryParams, RequestOptions, UpstreamClient } from "../../src/http/client.js";
import type { UpstreamAnswerRow } from "../../src/load/upstream-answers.js";
import { AnswerStore, RefusedAnswerError } from "../../src/pipeline/answer-store.js";
import { SecretScrubber } from "../../src/secrets.js";

const schema = z.object({ id: z.number().int(), name: z.string() });

/** A client answering `body` with `status`, applying the request's body check once as the real client does after its retries. */
function clientAnswering(body: string, status = 200): UpstreamClient {
  return {
    name: "tmdb",
    async get(path: string, _params?: QueryParams, options?: RequestOptions): Promise<HttpResponse> {
      const response: HttpResponse = { status, headers: {}, text: body, url: `fake://tmdb${path}` };
      const verdict = options?.checkBody?.(response) ?? { ok: true };
      if (!verdict.ok) throw new UpstreamBadBodyError("tmdb", response.url, status, verdict.reason, verdict.detail, body.slice(0, 500));
      return response;
    },
    describe: (path: string) => `fake://tmdb${path}`,
    stats: () => ({ requests: 0, retries: 0, throttled: 0, failures: 0, pauses: 0, pausedSeconds: 0, badBodies: 0 }),
    stop: async () => undefined,
  };
}

function store(): { answers: AnswerStore; written: UpstreamAnswerRow[] } {
  const written: UpstreamAnswerRow[] = [];
  const answers = AnswerStore.fromRows(1, new SecretScrubber([]), [], {
    async add(row) {
      written.push(row);
    },
    async flush() {},
  });
  return { answers, written };
}

describe("AnswerStore.fetch with a schema", () => {
  it.each([
    ["an empty body", "", "empty_body"],
    ["an HTML page", "<html><body>502 Bad Gateway</body></html>", "not_json"],
    ["truncated JSON", '{"id": 1, "na', "invalid_json"],
    ["a string where a number belongs", '{"id": "one", "name": "x"}', "not_a_number"],
    ["a number where a string belongs", '{"id": 1, "name": 5}', "schema_mismatch"],
    ["a missing field", '{"id": 1}', "missing_field"],
  ])("refuses %s with reason %s and keeps nothing", async (_name, body, reason) => {
    const { answers, written } = store();
    const error = await answers.fetch(clientAnswering(body), "tv/1", "/tv/1", undefined, { schema }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefusedAnswerError);
    expect(error instanceof RefusedAnswerError && { reason: error.reason, first: error.issues[0]?.reason }).toEqual({ reason, first: reason });
    expect(written).toEqual([]);
    expect(answers.has("tmdb", "tv/1")).toBe(false);
  });

  it("does not check an accepted non-2xx answer (a 404 is kept as it is)", async () => {
    const { answers, written } = store();
    const answer = await answers.fetch(clientAnswering('{"status_code":34}', 404), "tv/2", "/tv/2", undefined, {
      schema,
      acceptStatus: (s) => s === 404,
    });
    expect(answer.status).toBe(404);
    expect(written).toHaveLength(1);
  });

  it("removes NUL characters before keeping an answer, returns the kept value and the repair", async () => {
    const { answers, written } = store();
    const answer = await answers.fetch(clientAnswering('{"id": 7, "name": "Bad\\u0000Title"}'), "tv/7", "/tv/7", undefined, { schema });
    expect(answer.json).toEqual({ id: 7, name: "BadTitle" });
    expect(written[0]?.payload).toEqual({ id: 7, name: "BadTitle" });
    expect(answer.repairs).toEqual([expect.objectContaining({ path: "name", reason: "schema_mismatch" })]);
  });
});
