/**
 * A vitest reporter that ends the run with one line naming the tools whose absence skipped tests, and how to install
 * them (`.ci/run` installs all of them), so that a newcomer knows what was not tested:
 *
 *   Not tested here: Chromium (apt-get install chromium), promtool (apt-get install prometheus)
 *
 * A skipped test counts for a tool when the tool is not found now and its full name mentions the tool, as the
 * skipIf'd suites say in their names ("… (skipped: promtool not installed)").
 */
import type { Reporter, TestModule } from "vitest/node";
import { findChromium } from "../../src/enrichers/browser.js";
import { findBinary } from "../ops/processes.js";
import { hasSharedFixtures } from "./fixtures.js";

/** An optional tool: whether it is here, the names of the tests it skips, and how to get it. */
export interface OptionalTool {
  name: string;
  present: () => boolean;
  /** Matches the full name of a test skipped without it. */
  skips: RegExp;
  install: string;
}

/** The tools some tests need and skip without. */
export const OPTIONAL_TOOLS: readonly OptionalTool[] = [
  {
    name: "Chromium",
    present: () => findChromium(process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH) !== null,
    skips: /chromium/i,
    install: "apt-get install chromium, or set PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH",
  },
  { name: "promtool", present: () => findBinary("promtool") !== null, skips: /promtool/i, install: "apt-get install prometheus" },
  {
    name: "prometheus",
    present: () => findBinary("prometheus") !== null,
    skips: /prometheus not installed|Prometheus scrapes/,
    install: "apt-get install prometheus",
  },
  {
    name: "prometheus-pushgateway",
    present: () => findBinary("prometheus-pushgateway") !== null,
    skips: /pushgateway/i,
    install: "apt-get install prometheus-pushgateway",
  },
  { name: "amtool", present: () => findBinary("amtool") !== null, skips: /amtool/i, install: "apt-get install prometheus-alertmanager" },
  {
    name: "the real recordings in ../shared/fixtures",
    present: () => hasSharedFixtures,
    skips: /shared\/fixtures|real append-all|real recordings/i,
    install: "check out the shared fixtures beside the repository",
  },
];

/** The missing tools that skipped at least one of `skipped` (full test names), as one line, or null (pure). */
export function missingToolsLine(skipped: readonly string[], tools: readonly OptionalTool[] = OPTIONAL_TOOLS): string | null {
  const missing = tools.filter((tool) => !tool.present() && skipped.some((name) => tool.skips.test(name)));
  if (missing.length === 0) return null;
  return `Not tested here: ${missing.map((tool) => `${tool.name} (${tool.install})`).join(", ")}`;
}

export default class MissingToolsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests("skipped")) skipped.push(test.fullName);
    }
    const line = missingToolsLine(skipped);
    // Deferred, so that it comes after the default reporter's summary.
    if (line !== null) setImmediate(() => process.stdout.write(`\n${line}\n`));
  }
}
