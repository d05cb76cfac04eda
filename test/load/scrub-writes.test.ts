/**
 * The one scrubbing place of database writes (src/load/scrub-writes.ts): a Prisma client made with the App's
 * scrubber stores no secret, whatever the write path — a model create, a JSON column, `createMany`, a raw
 * statement, a transaction — while reads and other values pass unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../src/db/prisma.js";
import { SecretScrubber } from "../../src/secrets.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const SECRET = "s3cr3t-Key/with@chars";
let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma(db.url, new SecretScrubber([SECRET]));
});
afterAll(async () => {
  await prisma.$disconnect();
  await db.drop();
});

describe("scrubbing writes at the driver adapter", () => {
  it("redacts the secret (plain, percent-encoded, inside JSON) in every write path, and leaves other values alone", async () => {
    const run = await prisma.harvestRun.create({
      data: { trigger: "test", error: `boom ${SECRET}`, summary: { note: `url ?apikey=${encodeURIComponent(SECRET)}`, n: 3 } },
    });
    await prisma.upstreamAnswer.createMany({
      data: [{ runId: run.id, upstream: "omdb", requestKey: "i=tt1", httpStatus: 500, bodyText: `echo ${SECRET}`, payload: { [SECRET]: [SECRET] } }],
    });
    await prisma.$executeRaw`UPDATE harvest_run SET trigger = ${`raw ${SECRET}`} WHERE run_id = ${run.id}`;
    await prisma.$transaction([prisma.harvestRun.update({ where: { id: run.id }, data: { error: `tx ${SECRET}` } })]);

    const dumped = await db.query<{ t: string }>(
      "SELECT (SELECT string_agg(r::text, ' ') FROM harvest_run r) || ' ' || (SELECT string_agg(s::text, ' ') FROM upstream_answer s) AS t",
    );
    const text = dumped[0]?.t ?? "";
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(encodeURIComponent(SECRET));
    const [row] = await db.query<{ trigger: string; error: string; summary: unknown }>("SELECT trigger, error, summary FROM harvest_run");
    expect(row).toEqual({ trigger: "raw [REDACTED]", error: "tx [REDACTED]", summary: { note: "url ?apikey=[REDACTED]", n: 3 } });
    const [staged] = await db.query<{ body_text: string; payload: unknown; http_status: number }>(
      "SELECT body_text, payload, http_status FROM upstream_answer",
    );
    expect(staged).toEqual({ body_text: "echo [REDACTED]", payload: { "[REDACTED]": ["[REDACTED]"] }, http_status: 500 });
    // Reads go through the same adapter: the rows come back as stored.
    expect(await prisma.harvestRun.count({ where: { trigger: "raw [REDACTED]" } })).toBe(1);
  });
});
