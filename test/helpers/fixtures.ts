/**
 * Real recorded upstream responses live in ../shared/fixtures (beside the checkout; never copied into the
 * project). Tests that use them are skipped, saying so, when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of ../shared/fixtures relative to the repository root. */
export const SHARED_FIXTURES = path.resolve(fileURLToPath(new URL("../..", import.meta.url)), "..", "shared", "fixtures");

/** True when the shared fixtures are present. */
export const hasSharedFixtures = existsSync(path.join(SHARED_FIXTURES, "tmdb"));

/** Names of the JSON files in `tmdb` or `omdb`. */
export function listFixtures(dir: "tmdb" | "omdb"): string[] {
  if (!hasSharedFixtures) return [];
  return readdirSync(path.join(SHARED_FIXTURES, dir))
    .filter((f) => f.endsWith(".json"))
    .sort();
}

/** Parsed JSON of a fixture, e.g. `readFixture("tmdb/jdrouet__tv-2-details.json")`. */
export function readFixture(relative: string): unknown {
  return JSON.parse(readFileSync(path.join(SHARED_FIXTURES, relative), "utf8"));
}
