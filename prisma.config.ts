// Prisma CLI configuration (Prisma 7): where the schema and the SQL migrations live, and the database the
// CLI's `migrate deploy` talks to. The harvester itself applies the same migrations (src/load/migrate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/tv_harvester" },
});
