/**
 * Entry point of `tv-harvester`: loads `.env` from the working directory when there is one (the environment
 * wins over the file, as with `node --env-file`), runs the CLI on the process's arguments and environment, and
 * is the only place that ends the process with the command's code (a second Ctrl-C ends it at once, see
 * src/commands/signals.ts).
 */
import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runCli } from "./cli.js";
import { processIO } from "./commands/io.js";

// V8 lets its heap grow to up to 4 × the live set when allocation is fast, and every request allocates ~250 KB
// of short-lived objects (axios, bottleneck): a 10,000-series harvest peaked at 540 MiB RSS with ~70 MB live.
// Growing by half the live set keeps the peak near 250 MiB for a few more collections (BENCHMARKS.md).
// Read by V8 at every full collection, so setting it here, before any work, is enough.
setFlagsFromString("--heap-growing-percent=50");
// Prisma's query compiler is a 3.6 MB WebAssembly module, compiled when the client first connects. V8 tiers its hot
// functions up to TurboFan on background threads, whose compile zones stay in glibc's per-thread arenas: ~35 MiB of
// RSS outside the heap that is never given back (peak 236–261 MiB against 204–212 without, 2,000 series at
// 1,000 req/s; BENCHMARKS.md). The baseline (Liftoff) code is fast enough: the query compiler plans a statement
// once and Prisma caches the plan. Must run before the first connection, which is after this line.
setFlagsFromString("--liftoff-only");

if (existsSync(".env")) process.loadEnvFile(".env");
const code = await runCli(process.argv.slice(2), process.env, processIO);
process.exit(code);
