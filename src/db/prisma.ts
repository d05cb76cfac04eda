/**
 * Prisma client on the node-postgres driver adapter (Prisma 7's query compiler; no engine binary).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { scrubbingAdapter } from "../load/scrub-writes.js";
import type { SecretScrubber } from "../secrets.js";

export type { PrismaClient };

/**
 * Creates a Prisma client for `databaseUrl`. Call `$disconnect()` when done. With `scrubber` (the App's),
 * every statement's parameters are scrubbed of secrets before they reach PostgreSQL (src/load/scrub-writes.ts).
 */
export function createPrisma(databaseUrl: string, scrubber?: SecretScrubber): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: 10 });
  return new PrismaClient({ adapter: scrubber ? scrubbingAdapter(adapter, scrubber) : adapter });
}
