/** `tv-harvester migrate`: applies pending migrations, as `prisma migrate deploy` would. */
import type { App } from "../app.js";
import type { CommandIO } from "./io.js";

/** Reports the migrations the app applied when it was built (src/app.ts applies pending ones). Exit code 0. */
export async function migrateCommand(app: App, io: CommandIO): Promise<number> {
  const result = app.migrations ?? { applied: [], alreadyApplied: [], modified: [] };
  io.stdout(
    result.applied.length
      ? `Applied ${result.applied.length} migration(s):\n${result.applied.map((m) => `  ${m}`).join("\n")}\n`
      : `Database is up to date (${result.alreadyApplied.length} migrations applied earlier).\n`,
  );
  for (const name of result.modified) io.stderr(`warning: migration ${name} was modified after it was applied\n`);
  return 0;
}
