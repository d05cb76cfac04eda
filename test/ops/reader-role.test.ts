import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createReaderCommand } from "../../src/commands/db.js";
import { ConfigError } from "../../src/errors.js";
import { CONTRACT_VIEWS, scramSha256Verifier } from "../../src/ops/reader-role.js";
import { readViewModels, renderViewMigration, type ViewPlan } from "../../scripts/views/models.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const ROLE = `reader_${Math.random().toString(36).slice(2, 8)}`;
const PASSWORD = "correct horse battery staple";

let db: TestDatabase;
let output = "";

/**
 * Runs `sql` connected as the reader role, after the statements in `before` on the same session; resolves
 * to the rows or rejects with PostgreSQL's error.
 */
async function asReader(sql: string, password = PASSWORD, before: string[] = []): Promise<unknown[]> {
  const url = new URL(db.url);
  url.username = ROLE;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const statement of before) await client.query(statement);
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A view migration plan that changes nothing but `change`. */
const emptyPlan = (change: Partial<ViewPlan>): ViewPlan => ({
  changedViews: [],
  addedViews: [],
  removedViews: [],
  changedFunctions: [],
  addedFunctions: [],
  removedFunctions: [],
  dependants: [],
  drops: [],
  creates: [],
  changedRatingSources: [],
  removedRatingSources: [],
  ratingSourceStatements: [],
  ...change,
});

const READ_WRITE = "SET default_transaction_read_only = off";
const code = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string }) => e.code ?? String(e),
  );

beforeAll(async () => {
  db = await createTestDatabase();
  // A succeeded run with one series and one fact, so the views return rows.
  await db.query(`INSERT INTO harvest_run (run_id, status, finished_at) VALUES (1, 'succeeded', now())`);
  await db.query(
    `INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (1396, 'Breaking Bad', 'Breaking Bad', 1, 1)`,
  );
  // The views show the version the succeeded run loaded.
  await db.query(
    `INSERT INTO series_version (series_id, run_id, title, original_title, creators, keywords) VALUES (1396, 1, 'Breaking Bad', 'Breaking Bad', '{}', '{}')`,
  );
  await db.query(`INSERT INTO rating_fact (run_id, series_id, source_key, score, vote_count) VALUES (1, 1396, 'imdb', 9.5, 2000000)`);
  await createReaderCommand({ stdout: (s) => (output += s), databaseUrl: db.url, reader: { roleName: ROLE, password: PASSWORD } });
});
afterAll(async () => {
  await db?.drop();
  // Roles are cluster-wide: drop it from the admin database once its grants are gone with the test database.
  const admin = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`).catch(() => undefined);
  await admin.end();
});

describe("db create-reader", () => {
  it("reports the role and its views, never the password", () => {
    expect(output).toContain(`Created read-only role ${ROLE}`);
    expect(output).toContain("series_ratings");
    expect(output).not.toContain(PASSWORD);
  });

  it("can read every analytics view", async () => {
    const views = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.views WHERE table_schema = 'analytics' ORDER BY 1`,
    );
    expect(views.map((v) => v.table_name)).toEqual(
      expect.arrayContaining(["series_ratings", "rating_history", "series_genres", "series_networks", "quality_checks", "quarantine_summary"]),
    );
    for (const { table_name } of views) {
      await expect(asReader(`SELECT * FROM analytics.${table_name} LIMIT 5`), table_name).resolves.toBeDefined();
    }
    const rows = (await asReader(`SELECT title, imdb_rating FROM analytics.series_ratings`)) as { title: string; imdb_rating: string }[];
    expect(rows).toEqual([{ title: "Breaking Bad", imdb_rating: "9.50" }]);
  });

  it("reads the platform, season, profile and feature views and calls the one normalization, but not their tables", async () => {
    const views = [
      "series_profile",
      "series_features",
      "series_platforms",
      "platform_history",
      "top_rated_by_platform",
      "seasons",
      "season_rating_history",
      "series_history",
      "weighted_ratings",
      "series_content_ratings",
    ];
    for (const view of views) await expect(asReader(`SELECT * FROM analytics.${view} LIMIT 1`), view).resolves.toBeDefined();
    expect(await asReader(`SELECT analytics.normalized_score('imdb', 9.5)::float8 AS s`)).toEqual([{ s: 95 }]);
    for (const table of [
      "series_version",
      "series_genre_version",
      "series_network_version",
      "platform_dim",
      "series_platform_version",
      "series_content_rating_version",
      "season_version",
      "season_rating_fact",
      "published_series_version",
    ]) {
      expect(await code(asReader(`SELECT * FROM public."${table}" LIMIT 1`)), table).toBe("42501");
    }
  });

  it("reads every monitoring view (Grafana's Database health board), with the figures of the tables it cannot read", async () => {
    const views = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.views WHERE table_schema = 'monitoring' ORDER BY 1`,
    );
    expect(views.map((v) => v.table_name)).toEqual([
      "enrichment_by_source",
      "harvest_runs",
      "latest_run_per_source",
      "rating_coverage",
      "series_key_nulls",
      "table_row_counts",
      "table_sizes",
    ]);
    for (const { table_name } of views) {
      await expect(asReader(`SELECT * FROM monitoring.${table_name} LIMIT 5`), table_name).resolves.toBeDefined();
    }
    expect(output).toContain("views of schema monitoring");
    // Exact counts of every table of schema public, those a later migration adds included.
    const counts = (await asReader(`SELECT table_name, row_count::int AS n FROM monitoring.table_row_counts`)) as { table_name: string; n: number }[];
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    expect(counts.map((c) => c.table_name).sort()).toEqual(tables.map((t) => t.table_name));
    expect(counts.find((c) => c.table_name === "rating_fact")?.n).toBe(1);
    expect(await asReader(`SELECT run_id, status FROM monitoring.harvest_runs`)).toEqual([{ run_id: 1, status: "succeeded" }]);
    expect(await asReader(`SELECT source, series_with_rating::int AS n FROM monitoring.rating_coverage WHERE source = 'imdb'`)).toEqual([
      { source: "imdb", n: 1 },
    ]);
    // The row-count function reads every table as its owner: only through the view's columns, never directly by PUBLIC.
    const [acl] = await db.query<{ publicMay: boolean }>(
      `SELECT bool_or(a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS "publicMay"
       FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE p.oid = 'monitoring.table_row_counts()'::regprocedure`,
    );
    expect(acl?.publicMay).toBe(false);
  });

  it("cannot write through the monitoring views, nor create in schema monitoring", async () => {
    for (const sql of [
      `DELETE FROM monitoring.harvest_runs`,
      `UPDATE monitoring.harvest_runs SET error = 'x'`,
      `CREATE VIEW monitoring.mine AS SELECT 1 AS x`,
    ]) {
      expect(await code(asReader(sql, PASSWORD, [READ_WRITE])), sql).toBe("42501");
    }
  });

  it("cannot read the raw, quarantine or operational tables, nor any view of public but the contract views", async () => {
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    const names = tables.map((t) => t.table_name);
    expect(names).toEqual(
      expect.arrayContaining(["series_dim", "rating_fact", "quarantine", "harvest_run", "upstream_answer", "_prisma_migrations"]),
    );
    const contract: readonly string[] = CONTRACT_VIEWS;
    const others = names.filter((name) => !contract.includes(`public.${name}`));
    expect(others.length).toBe(names.length - CONTRACT_VIEWS.length);
    for (const name of others) {
      expect(await code(asReader(`SELECT * FROM public."${name}" LIMIT 1`)), name).toBe("42501"); // insufficient_privilege
    }
  });

  it("reads the design's contract views public.series and public.ratings (the views of prisma/views/5_contract/)", async () => {
    expect(
      readViewModels()
        .filter((model) => model.layer === "5_contract")
        .map((model) => model.name)
        .sort(),
    ).toEqual([...CONTRACT_VIEWS].sort());
    expect(output).toContain("contract views public.ratings, public.series of schema public");
    expect(await asReader(`SELECT series_id, title FROM public.series`)).toEqual([{ series_id: 1396, title: "Breaking Bad" }]);
    expect(await asReader(`SELECT series_id, imdb_rating, imdb_count FROM public.ratings`)).toEqual([
      { series_id: 1396, imdb_rating: "9.50", imdb_count: 2000000 },
    ]);
  });

  it("keeps reading the contract views when a generated view migration recreates them, and no new view of public", async () => {
    const models = readViewModels().filter((model) => model.layer === "5_contract");
    const drops = models.map((model) => `DROP VIEW ${model.name};`);
    // Recreated without the grants (a hand-written migration): refused until `db create-reader` runs again.
    await db.query(`${drops.join("\n")}\n${renderViewMigration(emptyPlan({ creates: models }), "test").replace(/DO \$\$[\s\S]*\$\$;/, "")}`);
    expect(await code(asReader(`SELECT * FROM public.series`))).toBe("42501");
    await createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: { roleName: ROLE, password: PASSWORD } });
    expect(await asReader(`SELECT title FROM public.series`)).toEqual([{ title: "Breaking Bad" }]);
    // A generated migration gives the grants back itself.
    const migration = renderViewMigration(emptyPlan({ changedViews: models.map((m) => m.name), drops, creates: models }), "test");
    expect(migration).toContain("DO $$");
    await db.query(migration);
    expect(await asReader(`SELECT title FROM public.series`)).toEqual([{ title: "Breaking Bad" }]);
    expect(await asReader(`SELECT imdb_rating FROM public.ratings`)).toEqual([{ imdb_rating: "9.50" }]);
    // Other views of public stay closed, later ones included.
    await db.query(`CREATE VIEW public.later_public_view AS SELECT series_id, title FROM series_dim`);
    expect(await code(asReader(`SELECT * FROM public.later_public_view`))).toBe("42501");
    await db.query(`DROP VIEW public.later_public_view`);
  });

  it("cannot write anything, even after switching its transactions to read-write", async () => {
    const attempts = [
      `INSERT INTO series_dim (series_id, title, original_title, first_seen_run_id, last_seen_run_id) VALUES (1, 'x', 'x', 1, 1)`,
      `UPDATE rating_fact SET score = 1`,
      `DELETE FROM quarantine`,
      `CREATE TABLE public.mine (x int)`,
      `CREATE TABLE analytics.mine (x int)`,
      `CREATE VIEW analytics.mine AS SELECT 1 AS x`,
      `DROP VIEW analytics.series_ratings`,
      `TRUNCATE series_dim`,
    ];
    for (const sql of attempts) {
      expect(await code(asReader(sql)), sql).toBe("25006"); // read_only_sql_transaction
      expect(await code(asReader(sql, PASSWORD, [READ_WRITE])), sql).toBe("42501"); // insufficient_privilege
    }
    // An auto-updatable view would pass writes to its table: the role has no such privilege on one either.
    await db.query(`CREATE VIEW analytics.updatable_series AS SELECT series_id, title FROM series_dim`);
    expect(await code(asReader(`DELETE FROM analytics.updatable_series`, PASSWORD, [READ_WRITE]))).toBe("42501");
    expect(await code(asReader(`UPDATE analytics.updatable_series SET title = 'x'`, PASSWORD, [READ_WRITE]))).toBe("42501");
    await db.query(`DROP VIEW analytics.updatable_series`);
    // …and switching really works (so the 42501s above come from privileges, not from read-only mode).
    expect(await asReader(`SHOW transaction_read_only`, PASSWORD, [READ_WRITE])).toEqual([{ transaction_read_only: "off" }]);
  });

  it("can read a view created by a later migration", async () => {
    await db.query(`CREATE VIEW analytics.later_view AS SELECT series_id, title FROM series_dim`);
    expect(await asReader(`SELECT title FROM analytics.later_view`)).toEqual([{ title: "Breaking Bad" }]);
  });

  it("updates the password on a second run, and the old one stops working", async () => {
    let second = "";
    await createReaderCommand({ stdout: (s) => (second += s), databaseUrl: db.url, reader: { roleName: ROLE, password: "another one" } });
    expect(second).toContain(`Updated read-only role ${ROLE}`);
    expect(await code(asReader("SELECT 1"))).toBe("28P01"); // invalid_password
    expect(await asReader("SELECT 1 AS one", "another one")).toEqual([{ one: 1 }]);
    await createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: { roleName: ROLE, password: PASSWORD } });
  });

  it("requires a password", async () => {
    await expect(
      createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: { roleName: ROLE, password: undefined } }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it("refuses to turn the connecting role into the reader", async () => {
    const me = new URL(db.url).username;
    await expect(createReaderCommand({ stdout: () => undefined, databaseUrl: db.url, reader: { roleName: me, password: "x" } })).rejects.toThrow(
      /must not be the role/,
    );
  });
});

describe("scramSha256Verifier", () => {
  it("matches RFC 7677's test vector (user/pencil, 4096 iterations)", () => {
    // RFC 7677 section 3: salt W22ZaJ0SNY7soEsUEjb6gQ==; ServerSignature derives from ServerKey — the stored
    // form below is what PostgreSQL stores for password "pencil" with that salt.
    const verifier = scramSha256Verifier("pencil", { salt: Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"), iterations: 4096 });
    expect(verifier).toBe(
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
    );
  });
});
