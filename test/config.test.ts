import { describe, expect, it } from "vitest";
import { configSecrets, hasTmdbCredentials, likelyTypos, loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({});
    expect(config.tmdb).toMatchObject({ apiUrl: "https://api.themoviedb.org/3", requestsPerSecond: 40, maxConcurrent: 20 });
    expect(config.omdb).toMatchObject({ apiUrl: "https://www.omdbapi.com", dailyBudget: 1000 });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.harvestSchedule).toBe("0 3 * * 1");
    expect(hasTmdbCredentials(config)).toBe(false);
  });

  it("lists every problem in one error, without echoing secrets", () => {
    let error: unknown;
    try {
      loadConfig({
        TMDB_REQUESTS_PER_SECOND: "fast",
        TMDB_MAX_CONCURRENT: "2.5",
        DATABASE_URL: "mysql://x",
        TMDB_API_URL: "ftp://x",
        OMDB_DAILY_BUDGET: "-1",
        TMDB_API_KEY: "k".repeat(32),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["TMDB_REQUESTS_PER_SECOND", "TMDB_MAX_CONCURRENT", "DATABASE_URL", "TMDB_API_URL", "OMDB_DAILY_BUDGET"])
      expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
    expect(String(error)).not.toContain("k".repeat(32));
  });

  it("prefers the v4 token over the v3 key and collects secrets", () => {
    const config = loadConfig({
      TMDB_API_KEY: "v3key",
      TMDB_ACCESS_TOKEN: "v4token",
      OMDB_API_KEY: "omdbkey",
      DATABASE_URL: "postgresql://u:dbpass@h/db",
    });
    expect(config.tmdb.accessToken).toBe("v4token");
    expect(config.tmdb.apiKey).toBeUndefined();
    expect(configSecrets(config)).toEqual(expect.arrayContaining(["v4token", "omdbkey", "dbpass"]));
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ TMDB_API_URL: "", OMDB_DAILY_BUDGET: " " }).omdb.dailyBudget).toBe(1000);
  });
});

describe(".env.example", () => {
  it("documents every variable the configuration reads, and nothing else", async () => {
    const { readFileSync } = await import("node:fs");
    const { ENV_VARIABLES } = await import("../src/config.js");
    const text = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...ENV_VARIABLES].sort());
  });
});

describe("loadConfig bounds", () => {
  function problems(env: Record<string, string>): string[] {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  }

  it("accepts ports 1-65535 only", () => {
    expect(problems({ METRICS_PORT: "0" })).toEqual([expect.stringContaining("METRICS_PORT: must be a TCP port")]);
    expect(problems({ EMBEDDED_PG_PORT: "65536" })).toEqual([expect.stringContaining("EMBEDDED_PG_PORT: must be a TCP port")]);
    expect(loadConfig({ METRICS_PORT: "65535", EMBEDDED_PG_PORT: "1" }).metricsPort).toBe(65535);
  });

  it("rejects a cron expression croner cannot parse, and accepts one with seconds", () => {
    expect(problems({ HARVEST_SCHEDULE: "every monday" })).toEqual([expect.stringContaining("HARVEST_SCHEDULE: must be a cron expression")]);
    expect(problems({ HARVEST_SCHEDULE: "0 3 * * 9" })).toEqual([expect.stringContaining("HARVEST_SCHEDULE")]);
    expect(loadConfig({ HARVEST_SCHEDULE: "30 0 3 * * 1" }).harvestSchedule).toBe("30 0 3 * * 1");
  });

  it("rejects a backoff base above its cap, and the metrics port on the embedded database's port", () => {
    expect(problems({ HTTP_BACKOFF_BASE_MS: "5000", HTTP_BACKOFF_MAX_MS: "1000" })).toEqual([
      expect.stringMatching(/^HTTP_BACKOFF_BASE_MS: .*above its cap/),
    ]);
    expect(problems({ HTTP_BACKOFF_BASE_MS: "1000", HTTP_BACKOFF_MAX_MS: "1000" })).toEqual([]);
    expect(problems({ METRICS_PORT: "6000", EMBEDDED_PG_PORT: "6000" })).toEqual([
      expect.stringContaining("METRICS_PORT: is the same port as EMBEDDED_PG_PORT"),
    ]);
    expect(problems({ METRICS_PORT: "6000", EMBEDDED_PG_PORT: "6000", DATABASE_URL: "postgresql://h/db" })).toEqual([]);
  });
});

describe("likelyTypos", () => {
  it("names variables that look like ours, with the nearest known name", () => {
    expect(likelyTypos({ TMDB_APIKEY: "x", LOG_LEVL: "debug", OMDB_BUDGET: "5" })).toEqual([
      "LOG_LEVL is not a tv-harvester variable; did you mean LOG_LEVEL?",
      "OMDB_BUDGET is not a tv-harvester variable (see .env.example for the known ones)",
      "TMDB_APIKEY is not a tv-harvester variable; did you mean TMDB_API_KEY?",
    ]);
  });

  it("leaves known variables, other programs' variables and unset ones alone", () => {
    expect(
      likelyTypos({
        TMDB_API_KEY: "x",
        PATH: "/bin",
        HOME: "/root",
        HTTP_PROXY: "http://p",
        NODE_ENV: "production",
        CI: "true",
        TMDB_TYPO: undefined,
      }),
    ).toEqual([]);
  });
});

describe("refresh ages", () => {
  it("defaults per source and activity; a partial list overrides only what it names", () => {
    const config = loadConfig({ REFRESH_AGES_OMDB: "active=3, long_ended=45" });
    expect(config.refresh.ageDays.omdb).toEqual({ active: 3, recently_ended: 14, ended: 30, long_ended: 45 });
    expect(config.refresh.ageDays.tmdb).toEqual({ active: 7, recently_ended: 14, ended: 30, long_ended: 90 });
  });

  it("rejects unknown activities, non-positive days, a jitter above 0.5 and a not-found base above its cap", () => {
    let error: unknown;
    try {
      loadConfig({ REFRESH_AGES_METACRITIC: "forever=10,active=0", REFRESH_JITTER: "0.9", REFRESH_NOT_FOUND_BASE_DAYS: "100" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = error instanceof ConfigError ? error.problems.join("\n") : "";
    expect(problems).toContain('unknown activity "forever"');
    expect(problems).toContain('days must be a positive number in "active=0"');
    expect(problems).toContain("REFRESH_JITTER");
    // Cross-field bounds are checked once every variable is valid on its own.
    expect(() => loadConfig({ REFRESH_NOT_FOUND_BASE_DAYS: "100" })).toThrow(/REFRESH_NOT_FOUND_BASE_DAYS: the first not-found wait/);
  });
});
