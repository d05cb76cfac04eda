/**
 * Entry point of `tv-harvester`: runs the CLI on the process's arguments and environment, and is the only
 * place that calls `process.exit`.
 */
import { runCli } from "./cli.js";
import { processIO } from "./commands/io.js";

const code = await runCli(process.argv.slice(2), process.env, processIO);
process.exit(code);
