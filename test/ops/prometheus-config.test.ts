/**
 * Checks prometheus/ with the real tools from Debian's packages: promtool check config / check rules /
 * test rules, and amtool check-config. CI installs them (prometheus, prometheus-alertmanager); without them
 * the tests are skipped and say so.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { findBinary, run } from "./processes.js";

const root = path.resolve(import.meta.dirname, "../..");
const promtool = findBinary("promtool");
const amtool = findBinary("amtool");
const rulesFile = path.join(root, "prometheus/rules/tv-harvester.yml");
const testFiles = readdirSync(path.join(root, "prometheus/tests"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => `prometheus/tests/${f}`);

/** Names of the alerts the issue asks for, mapped to the rule that implements each. */
const REQUIRED_ALERTS = {
  "harvest failed": "TvHarvesterHarvestFailed",
  "no successful harvest for 8 days": "TvHarvesterNoRecentSuccess",
  "ratings null ratio above 10%": "TvHarvesterRatingsNullRatioHigh",
  "quarantine spike": "TvHarvesterQuarantineSpike",
  "schema drift": "TvHarvesterSchemaDrift",
  "429 storm": "TvHarvester429Storm",
  "scraper layout change": "TvHarvesterScraperLayoutChange",
  "OMDb budget exhausted": "TvHarvesterOmdbBudgetExhausted",
  "target down": "TvHarvesterTargetDown",
};

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe("alert rules and their unit tests (static)", () => {
  const rules = parse(readFileSync(rulesFile, "utf8")) as RuleFile;
  const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
  const cases = testFiles.flatMap((file) => {
    const tests = parse(readFileSync(path.join(root, file), "utf8")) as RuleTestFile;
    return tests.tests.flatMap((t) => t.alert_rule_test ?? []);
  });

  it("has every alert the issue asks for", () => {
    for (const name of Object.values(REQUIRED_ALERTS)) expect(alerts).toContain(name);
  });

  it.each(alerts)("%s is tested firing and not firing", (alert) => {
    const mine = cases.filter((c) => c.alertname === alert);
    expect(
      mine.some((c) => c.exp_alerts.length > 0),
      "a case where it fires",
    ).toBe(true);
    expect(
      mine.some((c) => c.exp_alerts.length === 0),
      "a case where it does not fire",
    ).toBe(true);
  });
});

describe.skipIf(!promtool)(`promtool${promtool ? "" : " (skipped: promtool not installed; apt-get install prometheus)"}`, () => {
  it("check rules", () => {
    const result = run(promtool!, ["check", "rules", rulesFile]);
    expect(result.output).toContain("SUCCESS");
    expect(result.status, result.output).toBe(0);
  });

  it("check config (with rule_files pointed at the repository's rules)", () => {
    // The committed file names the container path /etc/prometheus/rules; check it with the repository's.
    const config = readFileSync(path.join(root, "prometheus/prometheus.yml"), "utf8");
    expect(config).toContain("/etc/prometheus/rules/*.yml");
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-promcfg-"));
    const file = path.join(dir, "prometheus.yml");
    writeFileSync(file, config.replace("/etc/prometheus/rules/*.yml", path.join(root, "prometheus/rules/*.yml")));
    const result = run(promtool!, ["check", "config", file]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status, result.output).toBe(0);
  });

  it("test rules: every unit test passes", () => {
    expect(testFiles.length).toBeGreaterThanOrEqual(2);
    const result = run(promtool!, ["test", "rules", ...testFiles], { cwd: root });
    expect(result.status, result.output).toBe(0);
    expect(result.output.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  });

  it("test rules can fail: a broken threshold is caught", () => {
    // Guard against a test file that passes whatever the rules say.
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-promtest-"));
    mkdirSync(path.join(dir, "rules"));
    mkdirSync(path.join(dir, "tests"));
    writeFileSync(path.join(dir, "rules/tv-harvester.yml"), readFileSync(rulesFile, "utf8").replace("> 0.10", "> 0.50"));
    writeFileSync(path.join(dir, "tests/t.yml"), readFileSync(path.join(root, "prometheus/tests/tv-harvester.test.yml"), "utf8"));
    const result = run(promtool!, ["test", "rules", "tests/t.yml"], { cwd: dir });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("TvHarvesterRatingsNullRatioHigh");
  });
});

describe.skipIf(!amtool)(`amtool${amtool ? "" : " (skipped: amtool not installed; apt-get install prometheus-alertmanager)"}`, () => {
  it("check-config", () => {
    const result = run(amtool!, ["check-config", path.join(root, "prometheus/alertmanager.yml")]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("keeps secrets in files, not in the configuration", () => {
    const text = readFileSync(path.join(root, "prometheus/alertmanager.yml"), "utf8");
    expect(text).not.toMatch(/hooks\.slack\.com/);
    expect(text).not.toMatch(/smtp_auth_password\s*:/);
    expect(text).toContain("slack_api_url_file");
    expect(text).toContain("smtp_auth_password_file");
  });
});
