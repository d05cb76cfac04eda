import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";
import { mergeThresholds } from "../../src/quality/expectations.js";

describe("quality thresholds from the environment", () => {
  it("defaults to no overrides, which means the suite's defaults", () => {
    const config = loadConfig({});
    expect(config.quality).toEqual({ nullRatio: {}, volumeTolerance: 0.2, freshnessMaxAgeDays: 8 });
    expect(mergeThresholds(config.quality).nullRatio).toEqual({
      first_air_date: 0.05,
      original_language: 0.05,
      imdb_id: 0.2,
      imdb_rating: 0.1,
    });
  });

  it("reads per-column null ratios, the volume tolerance and the freshness age", () => {
    const config = loadConfig({
      QUALITY_NULL_THRESHOLDS: " imdb_rating=0.25, imdb_id = 0.3 ",
      QUALITY_VOLUME_TOLERANCE: "0.5",
      QUALITY_FRESHNESS_MAX_DAYS: "14",
    });
    expect(config.quality).toEqual({ nullRatio: { imdb_rating: 0.25, imdb_id: 0.3 }, volumeTolerance: 0.5, freshnessMaxAgeDays: 14 });
    expect(mergeThresholds(config.quality).nullRatio).toMatchObject({ imdb_rating: 0.25, imdb_id: 0.3, first_air_date: 0.05 });
  });

  it.each([
    ["imdb_ratings=0.1", /unknown column "imdb_ratings"/],
    ["title=0", /unknown column "title"/],
    ["imdb_rating=1.5", /between 0 and 1/],
    ["imdb_rating=", /between 0 and 1/],
    ["imdb_rating=abc", /between 0 and 1/],
  ])("rejects %j", (value, message) => {
    expect(() => loadConfig({ QUALITY_NULL_THRESHOLDS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ QUALITY_NULL_THRESHOLDS: value })).toThrow(message);
  });
});
