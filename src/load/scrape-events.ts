/**
 * `scrape_event`: what happened on the ratings sites during a run (layout changes, blocks, browser
 * fallbacks, pages gone), for diagnosis and the data-quality board.
 */
import type { PrismaClient } from "../db/prisma.js";

/** One event. `seriesId` null: not about one series (e.g. robots.txt); `kind` e.g. `layout_change`. */
export interface ScrapeEventRow {
  runId: number;
  site: string;
  seriesId: number | null;
  kind: string;
  url: string | null;
  detail: string | null;
  strategy: string | null;
  occurredAt: Date;
}

/** Inserts one event. */
export async function insertScrapeEvent(prisma: PrismaClient, event: ScrapeEventRow): Promise<void> {
  await prisma.scrapeEvent.create({ data: event });
}
