// Runs `prisma generate` offline. `generate` needs no schema engine, but the Prisma 7 CLI tries to download
// one unless PRISMA_SCHEMA_ENGINE_BINARY names an existing file; on a machine without internet we point it
// at the Node binary (never executed by `generate`). Connected machines can set the variable themselves.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
