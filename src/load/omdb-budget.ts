/**
 * The OMDb daily budget, kept in the database (`omdb_budget`, one row per UTC day) so that repeated runs on
 * the same day, or two processes at once, never spend more than the configured number of requests.
 *
 * A run takes the budget in blocks (one statement per block, not per lookup) and gives back what it did
 * not use at the end of its OMDb stage, so `requests_used` ends equal to the lookups actually sent.
 */
import { z } from "zod";
import type { PrismaClient } from "../db/prisma.js";

const grantedRows = z.array(z.object({ granted: z.number().int().nonnegative() }));

/** The UTC calendar day of `at`, as `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Atomic accounting of today's OMDb requests. */
export class OmdbBudget {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly dailyLimit: number,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes up to `wanted` requests from today's budget in one statement and returns how many it got (0 when
   * the budget is spent or OMDb already said "Request limit reached!" today), with the day they count on.
   */
  async takeBlock(wanted: number): Promise<{ day: string; granted: number }> {
    const day = utcDay(this.now());
    if (this.dailyLimit <= 0 || wanted <= 0) return { day, granted: 0 };
    await this.prisma.$executeRaw`INSERT INTO omdb_budget (day, requests_used) VALUES (${day}::date, 0) ON CONFLICT (day) DO NOTHING`;
    // The row lock (FOR UPDATE) makes reading the old count and updating it one step for concurrent runs.
    const rows = grantedRows.parse(
      await this.prisma.$queryRaw`
      WITH current AS (
        SELECT requests_used FROM omdb_budget WHERE day = ${day}::date AND limit_reached_at IS NULL FOR UPDATE
      )
      UPDATE omdb_budget o SET requests_used = LEAST(c.requests_used + ${wanted}::int, ${this.dailyLimit}::int)
      FROM current c
      WHERE o.day = ${day}::date AND c.requests_used < ${this.dailyLimit}::int
      RETURNING (LEAST(c.requests_used + ${wanted}::int, ${this.dailyLimit}::int) - c.requests_used)::int AS granted`,
    );
    return { day, granted: rows[0]?.granted ?? 0 };
  }

  /** Gives back `count` requests taken on `day` and not used (never below zero). */
  async giveBack(day: string, count: number): Promise<void> {
    if (count <= 0) return;
    await this.prisma.$executeRaw`
      UPDATE omdb_budget SET requests_used = GREATEST(0, requests_used - ${count}::int) WHERE day = ${day}::date`;
  }

  /** Requests left today (0 once OMDb reported its limit reached). */
  async remaining(): Promise<number> {
    const row = await this.prisma.omdbBudget.findUnique({ where: { day: new Date(`${utcDay(this.now())}T00:00:00Z`) } });
    if (!row) return this.dailyLimit;
    if (row.limitReachedAt) return 0;
    return Math.max(0, this.dailyLimit - row.requestsUsed);
  }

  /** Records that OMDb answered "Request limit reached!" (or 401): no more calls today. */
  async markLimitReached(): Promise<void> {
    const day = utcDay(this.now());
    await this.prisma.$executeRaw`
      INSERT INTO omdb_budget (day, requests_used, limit_reached_at) VALUES (${day}::date, 0, now())
      ON CONFLICT (day) DO UPDATE SET limit_reached_at = COALESCE(omdb_budget.limit_reached_at, now())`;
  }
}

/**
 * A run's share of the budget: {@link take} hands out one request at a time from a block taken in advance
 * (`blockSize`, never more than `pending()` still needs), {@link release} gives the unused rest back.
 */
export class OmdbBudgetBlocks {
  private left = 0;
  private day: string | null = null;
  /** Takes run one after another, in call order: the order of the lookups is the order of the budget. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly budget: OmdbBudget,
    private readonly blockSize: number,
  ) {}

  /** Takes one request; false when the budget is spent. `stillNeeded` (≥ 1) caps the next block. */
  take(stillNeeded: number): Promise<boolean> {
    const taken = this.queue.then(() => this.takeNow(stillNeeded));
    this.queue = taken.catch(() => undefined);
    return taken;
  }

  private async takeNow(stillNeeded: number): Promise<boolean> {
    if (this.left === 0) {
      const block = await this.budget.takeBlock(Math.max(1, Math.min(this.blockSize, stillNeeded)));
      this.day = block.day;
      this.left = block.granted;
    }
    if (this.left === 0) return false;
    this.left -= 1;
    return true;
  }

  /** Gives back what was taken and not used (call once at the end of the stage). */
  async release(): Promise<void> {
    await this.queue;
    if (this.day !== null && this.left > 0) await this.budget.giveBack(this.day, this.left);
    this.left = 0;
  }
}
