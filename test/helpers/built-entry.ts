/**
 * The compiled entry point (dist/main.js, what the image's pods run) for every test that starts the CLI as a
 * process: it starts in a fraction of tsx's time (no transform of src/ in each child). `npm test` and `.ci/run`
 * build before vitest. The tests never build themselves (two files building at once would race on dist/): when
 * dist/ is missing or older than a file of src/, {@link builtEntry} throws, so a stale build cannot make a test
 * pass on old code.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** The newest file under `dir` and its modification time (ms). */
function newestFile(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: dir, mtimeMs: 0 };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { mtimeMs } = statSync(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  }
  return newest;
}

/**
 * Absolute path of dist/main.js, checked to be built from the current src/ (`tsc` rewrites every output file, so
 * dist/main.js is as new as the build).
 * @throws when dist/main.js is missing or older than the newest file of src/, naming that file and `npm run build`
 */
export function builtEntry(): string {
  const entry = path.join(root, "dist/main.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` before these tests (npm test does)`);
  const built = statSync(entry).mtimeMs;
  const source = newestFile(path.join(root, "src"));
  if (source.mtimeMs > built) {
    throw new Error(
      `dist/ is older than ${path.relative(root, source.file)} (changed ${new Date(source.mtimeMs).toISOString()}, built ` +
        `${new Date(built).toISOString()}): run \`npm run build\` before these tests (npm test does)`,
    );
  }
  return entry;
}
