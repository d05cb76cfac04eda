/**
 * Entry point of `tv-harvester`: loads `.env` from the working directory when there is one (the environment
 * wins over the file, as with `node --env-file`), runs the CLI on the process's arguments and environment, and
 * is the only place that ends the process with the command's code (a second Ctrl-C ends it at once, see
 * src/commands/signals.ts).
 */
import { existsSync } from "node:fs";
import { runCli } from "./cli.js";
import { processIO } from "./commands/io.js";

if (existsSync(".env")) process.loadEnvFile(".env");
const code = await runCli(process.argv.slice(2), process.env, processIO);
process.exit(code);
