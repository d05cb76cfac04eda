/**
 * One benchmark harvest in a process of its own, so that its peak RSS is its own: reads the configuration
 * from the environment the benchmark gives it (replay URLs, DATABASE_URL, rates), runs `runHarvest` without
 * the ratings sites, and writes a JSON result to the file named by its argument.
 *
 * Usage (from bench/harvest.bench.ts): node --import tsx bench/harvest-run.ts <result.json>
 */
import { writeFileSync } from "node:fs";
import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { runHarvest } from "../src/pipeline/harvest.js";

const [resultFile] = process.argv.slice(2);
if (!resultFile) throw new Error("usage: harvest-run.ts <result.json>");

const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
const app = await createApp(loadConfig(process.env));
const summary = await runHarvest(app, { scrape: false, trigger: "bench" });
const clients = Object.fromEntries(Object.values(app.clients).map((c) => [c.name, c.stats()]));
await app.close();
const result = { summary, clients, rssBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 };
writeFileSync(resultFile, `${JSON.stringify(result)}\n`);
