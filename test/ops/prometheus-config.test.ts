/**
 * Checks prometheus/ with the real tools from Debian's packages: promtool check config / check rules /
 * test rules, and amtool check-config and routing of the Alertmanager configuration rendered from a sample
 * environment by prometheus/alertmanager-entrypoint.sh (what compose runs). CI installs them (prometheus,
 * prometheus-alertmanager); without them the tests are skipped and say so. Statically: every alert has a
 * deliberate `for:`, a runbook section in docs/runbooks.md and a dashboard that exists.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
  "database unreachable from serve": "TvHarvesterDatabaseDown",
  "a run without progress": "TvHarvesterHarvestStalled",
  "a missed weekly slot": "TvHarvesterScheduledHarvestMissed",
  "watchdog (dead man's switch)": "TvHarvesterWatchdog",
};

const RUNBOOK_BASE = "https://github.com/tv-harvester/tv-harvester/blob/main/docs/runbooks.md#";

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
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

  it.each(alerts)("%s has a deliberate for:, a severity, a runbook section and a board", (alert) => {
    const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert)!;
    expect(rule.for, "for: is written out, even when 0m").toMatch(/^\d+[smh]$/);
    expect(["critical", "warning", "none"]).toContain(rule.labels?.severity);
    const runbook = rule.annotations?.runbook_url ?? "";
    expect(runbook.startsWith(RUNBOOK_BASE), runbook).toBe(true);
    // GitHub's anchor of a heading `## TvHarvesterX` is `tvharvesterx`.
    const headings = [...readFileSync(path.join(root, "docs/runbooks.md"), "utf8").matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]!.toLowerCase());
    expect(headings).toContain(runbook.slice(RUNBOOK_BASE.length));
    expect(runbook.slice(RUNBOOK_BASE.length)).toBe(alert.toLowerCase());
    const dashboardUids = readdirSync(path.join(root, "grafana/dashboards")).map(
      (f) => (JSON.parse(readFileSync(path.join(root, "grafana/dashboards", f), "utf8")) as { uid: string }).uid,
    );
    expect(dashboardUids.map((uid) => `/d/${uid}`)).toContain(rule.annotations?.dashboard);
  });

  it("docs/runbooks.md has a section for every alert and none for an alert that does not exist", () => {
    const headings = [...readFileSync(path.join(root, "docs/runbooks.md"), "utf8").matchAll(/^## (TvHarvester\S*)\s*$/gm)].map((m) => m[1]!);
    expect([...headings].sort()).toEqual([...alerts].sort());
  });

  it.each(alerts)("%s is tested firing and not firing", (alert) => {
    const mine = cases.filter((c) => c.alertname === alert);
    expect(
      mine.some((c) => c.exp_alerts.length > 0),
      "a case where it fires",
    ).toBe(true);
    // The Watchdog fires always: its tests say it fires, and no case expects it silent.
    expect(
      mine.some((c) => c.exp_alerts.length === 0),
      "a case where it does not fire",
    ).toBe(alert !== "TvHarvesterWatchdog");
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

const template = path.join(root, "prometheus/alertmanager.yml.tmpl");
const entrypoint = path.join(root, "prometheus/alertmanager-entrypoint.sh");

/** A complete sample environment of the alertmanager service (compose.env.example's variables). */
const SAMPLE_ENV = {
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/sample-webhook-secret",
  SLACK_CHANNEL: "#tv-harvester-alerts",
  SMTP_SMARTHOST: "smtp.mail.test:587",
  SMTP_FROM: "tv-harvester <alerts@mail.test>",
  SMTP_TO: "oncall@mail.test, data@mail.test",
  SMTP_AUTH_USERNAME: "alerts@mail.test",
  SMTP_PASSWORD: "sample-smtp-p&ss|word",
  DEADMANSSWITCH_URL: "https://hc-ping.test/0f3c-sample",
  GRAFANA_URL: "https://grafana.test/",
};

/** Runs the entrypoint in render-only mode with `env` (nothing inherited but PATH); returns its result and the output directory. */
function render(env: Record<string, string>): { status: number | null; output: string; dir: string } {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "tvh-am-")), "run");
  const result = spawnSync("sh", [entrypoint, "--render-only"], {
    env: { PATH: process.env.PATH ?? "", ALERTMANAGER_TEMPLATE: template, ALERTMANAGER_CONFIG_DIR: dir, ...env },
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, dir };
}

describe("Alertmanager configuration rendered from the environment", () => {
  it("the template holds no address, channel or secret of its own", () => {
    const text = readFileSync(template, "utf8");
    expect(text).not.toMatch(/example\.(org|com)|hooks\.slack\.com|@/);
    expect(text).not.toMatch(/smtp_auth_password\s*:/);
    expect(text).toContain("slack_api_url_file");
    expect(text).toContain("smtp_auth_password_file");
  });

  it("refuses to render without a way to deliver, naming every missing variable at once", () => {
    const result = render({});
    expect(result.status).toBe(78);
    for (const name of ["SLACK_WEBHOOK_URL", "SLACK_CHANNEL", "SMTP_SMARTHOST", "SMTP_FROM", "SMTP_TO", "DEADMANSSWITCH_URL", "GRAFANA_URL"]) {
      expect(result.output).toContain(`${name} is not set`);
    }
    expect(existsSync(path.join(result.dir, "alertmanager.yml"))).toBe(false);
    const half = render({ ...SAMPLE_ENV, SMTP_PASSWORD: "", SMTP_SMARTHOST: "smtp.mail.test", SLACK_WEBHOOK_URL: "http://insecure" });
    expect(half.status).toBe(78);
    expect(half.output).toMatch(/SMTP_PASSWORD is not set but SMTP_AUTH_USERNAME is/);
    expect(half.output).toMatch(/SMTP_SMARTHOST must be host:port/);
    expect(half.output).toMatch(/SLACK_WEBHOOK_URL must be an https:\/\/ URL/);
  });

  it("renders the sample environment: values in place, secrets in private files, no placeholder left", () => {
    const result = render(SAMPLE_ENV);
    expect(result.status, result.output).toBe(0);
    const text = readFileSync(path.join(result.dir, "alertmanager.yml"), "utf8");
    expect(text).not.toContain("${");
    expect(text).toContain('channel: "#tv-harvester-alerts"');
    expect(text).toContain('smtp_smarthost: "smtp.mail.test:587"');
    expect(text).toContain('to: "oncall@mail.test, data@mail.test"');
    expect(text).toContain("Board: https://grafana.test{{ .Annotations.dashboard }}");
    expect(text).not.toContain(SAMPLE_ENV.SLACK_WEBHOOK_URL);
    expect(text).not.toContain(SAMPLE_ENV.SMTP_PASSWORD);
    expect(readFileSync(path.join(result.dir, "slack_webhook_url"), "utf8")).toBe(SAMPLE_ENV.SLACK_WEBHOOK_URL);
    expect(readFileSync(path.join(result.dir, "smtp_password"), "utf8")).toBe(SAMPLE_ENV.SMTP_PASSWORD);
    expect(statSync(path.join(result.dir, "smtp_password")).mode & 0o077).toBe(0);
    // A relay without login: the auth lines are dropped.
    const relay = render({ ...SAMPLE_ENV, SMTP_AUTH_USERNAME: "", SMTP_PASSWORD: "" });
    expect(relay.status, relay.output).toBe(0);
    expect(readFileSync(path.join(relay.dir, "alertmanager.yml"), "utf8")).not.toMatch(/smtp_auth_/);
  });

  describe.skipIf(!amtool)(`amtool${amtool ? "" : " (skipped: amtool not installed; apt-get install prometheus-alertmanager)"}`, () => {
    it("check-config passes on the rendered configuration, and routes each severity to its receivers", () => {
      const { dir } = render(SAMPLE_ENV);
      const file = path.join(dir, "alertmanager.yml");
      const check = run(amtool!, ["check-config", file]);
      expect(check.status, check.output).toBe(0);
      expect(check.output).toContain("SUCCESS");
      expect(check.output).toContain("2 inhibit rules");
      const route = (...labels: string[]) =>
        run(amtool!, ["config", "routes", "test", `--config.file=${file}`, ...labels])
          .output.trim()
          .split("\n")[0];
      expect(route("alertname=TvHarvesterWatchdog", "severity=none")).toBe("deadmansswitch");
      expect(route("alertname=TvHarvesterDatabaseDown", "severity=critical")).toBe("slack-and-email");
      expect(route("alertname=TvHarvesterQualityCheckFailed", "severity=warning")).toBe("slack");
    });
  });
});
