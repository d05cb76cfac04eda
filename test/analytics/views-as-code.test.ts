/**
 * Views as code: the migrations and prisma/views/ never drift apart, and `npm run views:migration` writes the
 * migration that recreates what changed, with the views that read it, in dependency order.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR } from "../../src/db/migrate.js";
import { describePlan, writeViewMigration } from "../../scripts/views/migration.js";
import { isEmptyPlan, planViewMigration, readViewModels, VIEWS_DIR } from "../../scripts/views/models.js";
import { RATING_SOURCE_DEFINITIONS } from "../../src/domain.js";
import { useTestDatabase } from "../helpers/db.js";

describe("prisma/views/ and the migrations", () => {
  const t = useTestDatabase();

  it("define the same views and functions: same definitions, same columns, none without a file, none without a migration", async () => {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      const plan = await planViewMigration(client, readViewModels());
      expect(describePlan(plan)).toBe("");
      expect(isEmptyPlan(plan)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it("keep rating_source_dim equal to src/rating-sources.json, and say which source differs", async () => {
    const client = new pg.Client({ connectionString: t.db.url });
    await client.connect();
    try {
      const edited = RATING_SOURCE_DEFINITIONS.map((d) => (d.source_key === "imdb" ? { ...d, min_votes: 50_000 } : d));
      const plan = await planViewMigration(client, readViewModels(), edited);
      expect(plan.changedRatingSources).toEqual(["imdb"]);
      expect(plan.ratingSourceStatements).toHaveLength(1);
      expect(plan.ratingSourceStatements[0]).toContain("'imdb', 'IMDb rating', 'omdb', 1, 10, 'votes', 50000");
      expect(plan.removedRatingSources).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it("store a run's trigger as one of the code's values and refuse any other", async () => {
    const [run] = await t.db.query<{ trigger: string }>(`INSERT INTO harvest_run (trigger) VALUES ('topup') RETURNING trigger::text AS trigger`);
    expect(run?.trigger).toBe("topup");
    await expect(t.db.query(`INSERT INTO harvest_run (trigger) VALUES ('top-up')`)).rejects.toThrow(
      /invalid input value for enum harvest_run_trigger/,
    );
    await t.db.query(`DELETE FROM harvest_run`);
  });

  it("keep the contract views' columns", async () => {
    const columns = await t.db.query<{ view: string; columns: string }>(
      `SELECT table_name AS view, string_agg(column_name, ',' ORDER BY ordinal_position) AS columns
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN ('series', 'ratings') GROUP BY table_name ORDER BY 1`,
    );
    expect(columns).toEqual([
      {
        view: "ratings",
        columns:
          "series_id,imdb_rating,imdb_count,tomatoes_critic,tomatoes_critic_count,metacritic,metacritic_count,metauser,metauser_count," +
          "tomatoes_audience,tomatoes_audience_count,imdb_count_is_lower_bound,tomatoes_critic_count_is_lower_bound," +
          "metacritic_count_is_lower_bound,metauser_count_is_lower_bound,tomatoes_audience_count_is_lower_bound",
      },
      { view: "series", columns: "series_id,title,release_year,genres,language,network,plot" },
    ]);
  });
});

describe("npm run views:migration", () => {
  let work: string;
  let viewsDir: string;
  let migrationsDir: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(os.tmpdir(), "tvh-views-test-"));
    viewsDir = path.join(work, "views");
    migrationsDir = path.join(work, "migrations");
    cpSync(VIEWS_DIR, viewsDir, { recursive: true });
    cpSync(MIGRATIONS_DIR, migrationsDir, { recursive: true });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const options = () => ({ adminUrl: inject("pgAdminUrl"), viewsDir, migrationsDir });

  it("writes nothing when the files match the migrations", async () => {
    expect(await writeViewMigration({ ...options(), name: "nothing", timestamp: "20991231000000" })).toBeNull();
  });

  it("recreates a changed model and every view that reads it, dependants dropped first and created last", async () => {
    const file = path.join(viewsDir, "3_intermediate/intermediate.series_network_list.sql");
    writeFileSync(file, readFileSync(file, "utf8").replace("AS primary_network\n", "AS primary_network,\n       count(*)::int AS network_count\n"));
    unlinkSync(path.join(viewsDir, "4_marts/analytics.rating_trend.sql"));
    appendFileSync(path.join(viewsDir, "4_marts/analytics.series_networks.sql"), "\n-- a comment only: the view stays as it is\n");

    const written = await writeViewMigration({ ...options(), name: "networks_counted", timestamp: "20991231000000" });

    expect(written).not.toBeNull();
    const { plan, dir } = written!;
    expect(path.basename(dir)).toBe("20991231000000_networks_counted");
    expect(plan.changedViews).toEqual(["intermediate.series_network_list"]);
    expect(plan.removedViews).toEqual(["analytics.rating_trend"]);
    expect(plan.dependants).toEqual([
      "analytics.series_profile",
      "analytics.series_ratings",
      "analytics.top_rated_by_platform",
      "public.ratings",
      "public.series",
    ]);
    const sql = readFileSync(path.join(dir, "migration.sql"), "utf8");
    const at = (statement: string) => {
      const index = sql.indexOf(statement);
      expect(index, statement).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(at("DROP VIEW public.series;")).toBeLessThan(at("DROP VIEW analytics.series_ratings;"));
    expect(at("DROP VIEW analytics.series_ratings;")).toBeLessThan(at("DROP VIEW intermediate.series_network_list;"));
    expect(at("DROP VIEW analytics.rating_trend;")).toBeGreaterThanOrEqual(0);
    expect(at("CREATE VIEW intermediate.series_network_list AS")).toBeLessThan(at("CREATE VIEW analytics.series_ratings AS"));
    expect(at("CREATE VIEW analytics.series_ratings AS")).toBeLessThan(at("CREATE VIEW public.series AS"));
    expect(sql).not.toContain("analytics.series_networks AS");
    // writeViewMigration applied every migration to a fresh database and found no difference left.
  });

  it("refuses a timestamp that would apply before the last migration", async () => {
    await expect(writeViewMigration({ ...options(), name: "early", timestamp: "20200101000000" })).rejects.toThrow(/would apply before/);
  });

  it("names the file of a model that reads one defined after it", async () => {
    writeFileSync(path.join(viewsDir, "2_staging/staging.reads_a_mart.sql"), "SELECT series_id FROM analytics.series_ratings\n");
    await expect(writeViewMigration({ ...options(), name: "bad_order", timestamp: "20991231000001" })).rejects.toThrow(
      /prisma\/views\/2_staging\/staging\.reads_a_mart\.sql: relation "analytics\.series_ratings" does not exist/,
    );
  });
});
