/**
 * The OMDb daily budget, kept in the database (`omdb_budget`, one row per UTC day) so that repeated runs on
 * the same day, or two processes at once, never spend more than the configured number of requests.
 */
import type { PrismaClient } from "../../db/prisma.js";

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
   * Takes one request from today's budget. Returns false (and takes nothing) when the budget is spent or
   * OMDb already said "Request limit reached!" today.
   */
  async take(): Promise<boolean> {
    if (this.dailyLimit <= 0) return false;
    const day = utcDay(this.now());
    const rows = await this.prisma.$queryRaw<{ requests_used: number }[]>`
      INSERT INTO omdb_budget (day, requests_used) VALUES (${day}::date, 1)
      ON CONFLICT (day) DO UPDATE SET requests_used = omdb_budget.requests_used + 1
      WHERE omdb_budget.requests_used < ${this.dailyLimit} AND omdb_budget.limit_reached_at IS NULL
      RETURNING requests_used`;
    return rows.length > 0;
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
