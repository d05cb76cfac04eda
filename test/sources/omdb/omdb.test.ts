import { describe, expect, it } from "vitest";
import { classifyOmdbAnswer, parseRatingValue, toOmdbRatings } from "../../../src/sources/omdb/omdb.js";
import { omdbAnswer } from "../../../src/replay/dataset.js";
import { DEMO_CATALOGUE } from "../../../src/demo/catalogue.js";

describe("classifyOmdbAnswer", () => {
  it("recognises the quota answer, also as HTTP 401", () => {
    expect(classifyOmdbAnswer(200, { Response: "False", Error: "Request limit reached!" }).kind).toBe("quota_exhausted");
    expect(classifyOmdbAnswer(401, { Response: "False", Error: "Request limit reached!" }).kind).toBe("quota_exhausted");
    expect(classifyOmdbAnswer(401, { Response: "False", Error: "Invalid API key!" }).kind).toBe("quota_exhausted");
  });
  it("recognises unknown ids", () => {
    expect(classifyOmdbAnswer(200, { Response: "False", Error: "Incorrect IMDb ID." }).kind).toBe("not_found");
  });
  it("calls a non-JSON body invalid", () => {
    expect(classifyOmdbAnswer(200, undefined)).toMatchObject({ kind: "invalid", issues: [{ reason: "not_json" }] });
  });
});

describe("parseRatingValue", () => {
  it("reads the three OMDb formats and N/A", () => {
    expect(parseRatingValue("8.7/10")).toBe(8.7);
    expect(parseRatingValue("96%")).toBe(96);
    expect(parseRatingValue("87/100")).toBe(87);
    expect(parseRatingValue("N/A")).toBeNull();
    expect(parseRatingValue("great")).toBe("invalid");
  });
});

describe("toOmdbRatings", () => {
  const body = omdbAnswer(DEMO_CATALOGUE[0]!);
  const title = (over: Record<string, unknown>) => {
    const answer = classifyOmdbAnswer(200, { ...body, ...over });
    if (answer.kind !== "found") throw new Error(answer.kind);
    return answer.title;
  };
  it("reads imdbRating and imdbVotes with thousands separators", () => {
    expect(toOmdbRatings(1396, title({})).observations).toEqual([
      { seriesId: 1396, source: "imdb", score: 9.5, voteCount: 2212015, voteCountIsLowerBound: false, grain: "series", method: "api" },
    ]);
  });
  it("treats N/A as missing, not as an error", () => {
    const mapped = toOmdbRatings(1, title({ imdbRating: "N/A", imdbVotes: "N/A", Ratings: [] }));
    expect(mapped).toEqual({ observations: [], issues: [], flags: [] });
  });
  it("flags votes reported without a rating", () => {
    const mapped = toOmdbRatings(1, title({ imdbRating: "N/A", imdbVotes: "1,234", Ratings: [] }));
    expect(mapped.observations).toEqual([]);
    expect(mapped.flags).toMatchObject([{ path: "imdbRating", reason: "inconsistent" }]);
  });
  it("reports unreadable numbers as issues and loads nothing from them", () => {
    const mapped = toOmdbRatings(1, title({ imdbVotes: "many" }));
    expect(mapped.observations).toEqual([]);
    expect(mapped.issues).toMatchObject([{ path: "imdbVotes", reason: "not_a_number" }]);
  });
});
