/**
 * The read-only database role for Tableau, Grafana and other BI tools: it can read the views of the `analytics`
 * schema (the analysts' views) and of the `monitoring` schema (operational figures for Grafana's Database health
 * board), including views that later migrations create, and the design's two contract views of schema public
 * (`public.series`, `public.ratings`), and nothing else.
 *
 * How (PostgreSQL docs, "Privileges" and ALTER DEFAULT PRIVILEGES):
 *  - the role logs in, is not a superuser, cannot create databases or roles, and does not inherit;
 *  - CONNECT on the database, USAGE on schemas analytics and monitoring, SELECT on every relation in them, and
 *    EXECUTE on monitoring's functions (its row-count view calls one; PUBLIC may not);
 *  - ALTER DEFAULT PRIVILEGES FOR ROLE <the migrating role> IN SCHEMA analytics, monitoring GRANT SELECT ON
 *    TABLES, so views created by later migrations (applied by the harvester as that role) are readable at once;
 *  - nothing on the raw tables: views run with their owner's rights, so the role reads the star schema only
 *    through the views; any privilege it was given on schema public is revoked, then SELECT is granted on the
 *    design's two contract views there ({@link CONTRACT_VIEWS}) and on nothing else in public. Default
 *    privileges cannot name two views of a schema, and a migration that recreates a view drops its grants: so
 *    the generated view migrations end with {@link regrantContractViewsSql} (scripts/views/models.ts), and a
 *    hand-written migration that recreates them needs `db create-reader` run again;
 *  - `default_transaction_read_only` on, as a second line for a tool that tries to write.
 *
 * The password is sent as a SCRAM-SHA-256 verifier computed here (RFC 5802 / 7677, the format of
 * PostgreSQL's `pg_authid.rolpassword`), so the clear text never reaches the server, its statement log or
 * ours.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import pg from "pg";

/** The analysts' schema the role may read (Tableau, Grafana's Content and Data quality boards, `export`). */
export const ANALYTICS_SCHEMA = "analytics";

/** The operational schema the role may read (Grafana's Database health board); kept out of Tableau's analytics list. */
export const MONITORING_SCHEMA = "monitoring";

/** Every schema the role may read. */
export const READER_SCHEMAS = [ANALYTICS_SCHEMA, MONITORING_SCHEMA] as const;

/**
 * The design's contract views (README, "Views"; prisma/views/5_contract/): the only relations of schema public the
 * role may read.
 */
export const CONTRACT_VIEWS = ["public.series", "public.ratings"] as const;

/**
 * SQL that grants SELECT on the contract views to every reader role, for a migration that has just recreated them
 * (DROP VIEW takes the grants with it). A reader role is one that the migrating role's default privileges in schema
 * analytics let read new views, i.e. one that {@link ensureReaderRole} set up; with none (a fresh database) the
 * statement does nothing. Run as the migrating role, after the views exist.
 */
export function regrantContractViewsSql(): string {
  return [
    "-- The reader roles (db create-reader) read the contract views: DROP VIEW took their grants, give them back.",
    "DO $$",
    "DECLARE reader regrole;",
    "BEGIN",
    "  FOR reader IN",
    "    SELECT DISTINCT a.grantee::regrole",
    "    FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace, aclexplode(d.defaclacl) a",
    `    WHERE n.nspname = '${ANALYTICS_SCHEMA}' AND d.defaclobjtype = 'r' AND a.privilege_type = 'SELECT' AND a.grantee <> 0`,
    "      AND d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
    "  LOOP",
    `    EXECUTE format('GRANT SELECT ON ${CONTRACT_VIEWS.join(", ")} TO %s', reader);`,
    "  END LOOP;",
    "END $$;",
  ].join("\n");
}

/** What {@link ensureReaderRole} did. */
export interface ReaderRoleResult {
  role: string;
  created: boolean;
  database: string;
  /** Role whose future analytics views the reader can read (ALTER DEFAULT PRIVILEGES FOR ROLE …). */
  defaultPrivilegesFor: string;
  /** Relations of schema analytics readable now. */
  views: string[];
  /** Relations of schema monitoring readable now. */
  monitoringViews: string[];
  /** Relations of schema public readable now: the contract views ({@link CONTRACT_VIEWS}) that exist. */
  contractViews: string[];
  /** Problems left that this command does not fix, e.g. PUBLIC may still create tables in schema public (PostgreSQL < 15). */
  warnings: string[];
}

/**
 * PostgreSQL's stored form of a SCRAM-SHA-256 password:
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), as `CREATE ROLE … PASSWORD` stores it.
 * The password is NFKC-normalised, which is what SASLprep does to every password a person types.
 */
export function scramSha256Verifier(password: string, options: { salt?: Buffer; iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? 4096;
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * Creates the role `roleName` with `password`, or updates its password and privileges when it exists, in
 * the database of `databaseUrl` (connected as the role that applies migrations). Idempotent.
 * @throws Error when `roleName` is the connecting role itself (it would lose its own rights), or when the
 *   connecting role lacks CREATEROLE / ownership of schema analytics (PostgreSQL's error).
 */
export async function ensureReaderRole(databaseUrl: string, roleName: string, password: string): Promise<ReaderRoleResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const role = pg.escapeIdentifier(roleName);
    const { rows: who } = await client.query<{ me: string; db: string }>("SELECT current_user AS me, current_database() AS db");
    const me = who[0]!.me;
    const database = who[0]!.db;
    if (me === roleName) throw new Error(`the reader role must not be the role the harvester connects as (${me})`);
    const verifier = pg.escapeLiteral(scramSha256Verifier(password));

    await client.query("BEGIN");
    const { rowCount } = await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [roleName]);
    const created = rowCount === 0;
    const attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS";
    await client.query(
      created ? `CREATE ROLE ${role} WITH ${attributes} PASSWORD ${verifier}` : `ALTER ROLE ${role} WITH ${attributes} PASSWORD ${verifier}`,
    );
    await client.query(`ALTER ROLE ${role} IN DATABASE ${pg.escapeIdentifier(database)} SET default_transaction_read_only = on`);
    await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${role}`);
    // Nothing in public: neither tables nor the right to create there (PUBLIC's grants are not the role's).
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
    // …but the design's contract views, which analysts' workbooks may be built on (a database migrated before the
    // views existed has none yet: the grant waits for the next run of this command or the next view migration).
    for (const view of CONTRACT_VIEWS) {
      const { rows: exists } = await client.query<{ found: boolean }>("SELECT to_regclass($1) IS NOT NULL AS found", [view]);
      if (exists[0]?.found) await client.query(`GRANT SELECT ON ${view} TO ${role}`);
    }
    for (const schema of READER_SCHEMAS) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${role}`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
      await client.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${pg.escapeIdentifier(me)} IN SCHEMA ${schema} GRANT SELECT ON TABLES TO ${role}`);
    }
    // monitoring.table_row_counts calls a SECURITY DEFINER function that PUBLIC may not execute; a view's caller
    // needs EXECUTE on the functions it calls (PostgreSQL's CREATE VIEW documentation).
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${MONITORING_SCHEMA} TO ${role}`);
    await client.query(
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${pg.escapeIdentifier(me)} IN SCHEMA ${MONITORING_SCHEMA} GRANT EXECUTE ON FUNCTIONS TO ${role}`,
    );
    const readable = async (schema: string) =>
      (
        await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('v', 'm', 'r', 'p', 'f') AND has_table_privilege($2, c.oid, 'SELECT')
            ORDER BY 1`,
          [schema, roleName],
        )
      ).rows.map((v) => v.name);
    const views = await readable(ANALYTICS_SCHEMA);
    const monitoringViews = await readable(MONITORING_SCHEMA);
    const contractViews = (await readable("public")).map((name) => `public.${name}`);
    const warnings: string[] = [];
    const { rows: creates } = await client.query<{ can: boolean }>("SELECT has_schema_privilege($1, 'public', 'CREATE') AS can", [roleName]);
    if (creates[0]?.can) {
      warnings.push(
        "PUBLIC may create tables in schema public (the default before PostgreSQL 15), so the reader can too; run `REVOKE CREATE ON SCHEMA public FROM PUBLIC` as the schema's owner",
      );
    }
    await client.query("COMMIT");
    return { role: roleName, created, database, defaultPrivilegesFor: me, views, monitoringViews, contractViews, warnings };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
