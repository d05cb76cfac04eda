/**
 * `engines` says which Node.js lines are supported and tested (CI runs the suite on each), and no locked
 * dependency may need a newer Node.js than the oldest version of each line (a defect the issue tracker saw:
 * Prisma 7.6+ pulls @prisma/streams-local, which needs Node 22).
 */
import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const packageJson = z.object({ engines: z.object({ node: z.string() }) }).parse(JSON.parse(readFileSync("package.json", "utf8")));
const lock = z
  .object({
    packages: z.record(
      z.string(),
      z.object({
        engines: z.unknown().optional(),
        optional: z.boolean().optional(),
        os: z.array(z.string()).optional(),
        cpu: z.array(z.string()).optional(),
      }),
    ),
  })
  .parse(JSON.parse(readFileSync("package-lock.json", "utf8")));

/** The lowest version of each `||` branch of the range, e.g. "^20.19.0 || ^24.0.0" → 20.19.0, 24.0.0. */
const lowestSupported = packageJson.engines.node.split("||").map((branch) => semver.minVersion(branch.trim())?.version ?? "");

/** engines.node of a locked package (some packages write engines as an array of strings: no node range then). */
function nodeRange(engines: unknown): string | undefined {
  const parsed = z.object({ node: z.string() }).safeParse(engines);
  return parsed.success ? parsed.data.node : undefined;
}

describe("engines", () => {
  it("names supported lines whose lowest versions parse", () => {
    expect(lowestSupported.length).toBeGreaterThanOrEqual(2);
    for (const v of lowestSupported) expect(semver.valid(v)).not.toBeNull();
  });

  it("this Node.js is one of the supported lines", () => {
    expect(semver.satisfies(process.version, packageJson.engines.node)).toBe(true);
  });

  it("no locked dependency needs a newer Node.js than the lowest of each supported line", () => {
    const tooNew: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      const range = nodeRange(entry.engines);
      if (key === "" || range === undefined) continue;
      // Platform packages of other systems are never installed here or in the image.
      if (entry.os && !entry.os.includes("linux")) continue;
      if (entry.cpu && !entry.cpu.includes("x64")) continue;
      for (const version of lowestSupported) {
        if (!semver.satisfies(version, range)) tooNew.push(`${key.replace(/^.*node_modules\//, "")} needs node ${range} (not ${version})`);
      }
    }
    expect(tooNew).toEqual([]);
  });
});
