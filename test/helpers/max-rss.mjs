/**
 * Preloaded into a child process (`node --import ./test/helpers/max-rss.mjs dist/main.js …`): when the process
 * exits, writes its peak resident set size in bytes (`process.resourceUsage().maxRSS`, which the kernel keeps in
 * KiB) to the file named by `MAX_RSS_FILE`. How a test measures a harvest's peak memory without polling.
 */
import { writeFileSync } from "node:fs";

const file = process.env["MAX_RSS_FILE"];
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
