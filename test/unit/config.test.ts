import { describe, expect, it } from "vitest";
import { configSecrets, hasTmdbCredentials, loadConfig } from "../../src/config.js";
import { ConfigError } from "../../src/errors.js";

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
      loadConfig({ TMDB_REQUESTS_PER_SECOND: "fast", TMDB_MAX_CONCURRENT: "2.5", DATABASE_URL: "mysql://x", TMDB_API_URL: "ftp://x", OMDB_DAILY_BUDGET: "-1", TMDB_API_KEY: "k".repeat(32) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["TMDB_REQUESTS_PER_SECOND", "TMDB_MAX_CONCURRENT", "DATABASE_URL", "TMDB_API_URL", "OMDB_DAILY_BUDGET"]) expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(5);
    expect(String(error)).not.toContain("k".repeat(32));
  });

  it("prefers the v4 token over the v3 key and collects secrets", () => {
    const config = loadConfig({ TMDB_API_KEY: "v3key", TMDB_ACCESS_TOKEN: "v4token", OMDB_API_KEY: "omdbkey", DATABASE_URL: "postgresql://u:dbpass@h/db" });
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
    const { ENV_VARIABLES } = await import("../../src/config.js");
    const text = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");
    const documented = [...text.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual([...ENV_VARIABLES].sort());
  });
});
