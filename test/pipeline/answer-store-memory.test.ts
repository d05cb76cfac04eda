/**
 * What the answer store holds in memory and writes: a clean answer as its own body text and not kept, one
 * holding a secret only as its scrubbed copy, answers of an earlier attempt served without a request.
 */
import { describe, expect, it } from "vitest";
import type { UpstreamAnswerRow } from "../../src/load/upstream-answers.js";
import { AnswerStore } from "../../src/pipeline/answer-store.js";
import { REDACTED, SecretScrubber } from "../../src/secrets.js";
import { fakeClient } from "./stages/fakes.js";

const SECRET = "supersecretkey";

function store(earlier: UpstreamAnswerRow[] = []) {
  const written: UpstreamAnswerRow[] = [];
  const answers = AnswerStore.fromRows(1, new SecretScrubber([SECRET]), earlier, {
    async add(row) {
      written.push(row);
    },
    async flush() {},
  });
  return { answers, written };
}

describe("AnswerStore", () => {
  it("writes a clean answer as its own body text and does not hold it in memory", async () => {
    const { answers, written } = store();
    const body = { id: 1, name: 'Series "One"', seasons: [{ n: 1 }] };
    const client = fakeClient("tmdb", () => ({ body }));
    const answer = await answers.fetch(client, "tv/1", "/tv/1");
    expect(answer.json).toEqual(body);
    expect(written).toEqual([
      { upstream: "tmdb", requestKey: "tv/1", httpStatus: 200, payload: body, bodyText: null, payloadJson: JSON.stringify(body) },
    ]);
    // Fetched in this attempt: written, not served from memory (a second fetch asks again).
    expect(answers.has("tmdb", "tv/1")).toBe(false);
    expect(answers.size).toBe(1);
    await answers.fetch(client, "tv/1", "/tv/1");
    expect(client.requests).toHaveLength(2);
  });

  it("writes and returns an answer holding a secret only as its scrubbed copy", async () => {
    const { answers, written } = store();
    const client = fakeClient("omdb", () => ({ body: { Title: `echo ${SECRET}`, [SECRET]: [SECRET] } }));
    const answer = await answers.fetch(client, "i=tt1", "/");
    expect(answer.json).toEqual({ Title: `echo ${REDACTED}`, [REDACTED]: [REDACTED] });
    expect(written[0]?.payload).toEqual(answer.json);
    expect(written[0]?.payloadJson).toBeUndefined();
    expect(JSON.stringify(written)).not.toContain(SECRET);
  });

  it("serves answers of an earlier attempt without asking the upstream", async () => {
    const { answers, written } = store([{ upstream: "tmdb", requestKey: "tv/2", httpStatus: 200, payload: { id: 2 }, bodyText: null }]);
    const client = fakeClient("tmdb", () => ({ body: { id: 0 } }));
    expect(answers.has("tmdb", "tv/2")).toBe(true);
    expect((await answers.fetch(client, "tv/2", "/tv/2")).json).toEqual({ id: 2 });
    expect(client.requests).toEqual([]);
    expect(written).toEqual([]);
    expect(answers.reused).toBe(1);
  });
});
