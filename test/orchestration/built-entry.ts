/**
 * The compiled entry point (dist/main.js, what the image's pods run) for tests that start many CLI processes: it
 * starts in a fraction of tsx's time. `npm test` builds before the suite; run alone, a test file builds when dist/ is
 * missing or older than a file of src/, so it never runs stale code.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** The newest modification time (ms) of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Path of dist/main.js, built first when missing or stale.
 * @throws when `npm run build` fails
 */
export function builtEntry(): string {
  const entry = path.join(root, "dist/main.js");
  if (!existsSync(entry) || statSync(entry).mtimeMs < newestMtime(path.join(root, "src"))) {
    const build = spawnSync("npm", ["run", "build"], { cwd: root, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  }
  return entry;
}
