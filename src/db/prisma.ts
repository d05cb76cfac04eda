/**
 * Prisma client on the node-postgres driver adapter (Prisma 7's query compiler; no engine binary).
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type { PrismaClient };

/** Creates a Prisma client for `databaseUrl`. Call `$disconnect()` when done. */
export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
}
