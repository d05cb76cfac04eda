/**
 * The existing alert rules (prometheus/rules/tv-harvester.yml) on the metrics of a run made of steps, as each
 * step pushes them (src/commands/harvest.ts, `pushMetrics`): one Pushgateway group per step, the last success in
 * every group the database's, the run gauges only from a step that ended the run's attempt. Checked with
 * `promtool test rules` on the series such pushes leave:
 *   - a step that completes and hands over raises nothing;
 *   - a step that fails raises TvHarvesterHarvestFailed once the rule's `for` has passed, and its retry's push clears it;
 *   - publish ends the run like a one-shot harvest; OMDb's budget alert still fires from the omdb step's group.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { findBinary, run } from "../ops/processes.js";

const root = path.resolve(import.meta.dirname, "../..");
const rulesFile = path.join(root, "prometheus/rules/tv-harvester.yml");
const promtool = findBinary("promtool");

const rules = z
  .object({
    groups: z.array(
      z.object({ rules: z.array(z.looseObject({ alert: z.string().optional(), annotations: z.record(z.string(), z.string()).optional() })) }),
    ),
  })
  .parse(parse(readFileSync(rulesFile, "utf8")));

/** The annotations of `alert` rendered for one instance and value (the templates these two alerts use). */
function annotations(alert: string, instance: string, humanizedValue?: string): Record<string, string> {
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule?.annotations) throw new Error(`no alert ${alert}`);
  return Object.fromEntries(
    Object.entries(rule.annotations).map(([k, v]) => [
      k,
      v.replace("{{ $labels.instance }}", instance).replace("{{ $value | humanizeDuration }}", humanizedValue ?? ""),
    ]),
  );
}

const gateway = "pushgateway:9091";
/** A series of one step's Pushgateway group. */
const series = (name: string, step: string) => `${name}{job="tv_harvester",instance="${gateway}",step="${step}"}`;

describe.skipIf(!promtool)(`alerts on step-wise runs${promtool ? "" : " (skipped: promtool not installed)"}`, () => {
  it("fire for a failed step, clear on its retry, and treat publish as the run's end", () => {
    // Minutes: 0-9 listing and details hand over (the last success, 1000, from the database; no run gauges);
    // 10-59 details' attempt failed (its push: last run 5000, status failed); 60- its retry succeeded (a PUT
    // without the run gauges: the failed attempt's last run is gone); 70- publish succeeded (last run = last
    // success = 7000, status succeeded). OMDb refused before the budget was spent from minute 64 on.
    const input = [
      { series: series("tv_harvester_last_success_timestamp_seconds", "listing"), values: "1000x90" },
      { series: series("tv_harvester_last_success_timestamp_seconds", "details"), values: "1000x90" },
      { series: series("tv_harvester_last_run_timestamp_seconds", "details"), values: "_x9 5000x49 _x31" },
      { series: `tv_harvester_last_run_status{job="tv_harvester",instance="${gateway}",step="details",status="failed"}`, values: "_x9 1x49 _x31" },
      { series: series("tv_harvester_last_success_timestamp_seconds", "omdb"), values: "1000x90" },
      { series: series("tv_harvester_omdb_enabled", "omdb"), values: "1x90" },
      { series: series("tv_harvester_omdb_limit_reached", "omdb"), values: "_x63 1x26" },
      { series: series("tv_harvester_last_success_timestamp_seconds", "publish"), values: "_x69 7000x20" },
      { series: series("tv_harvester_last_run_timestamp_seconds", "publish"), values: "_x69 7000x20" },
      { series: `tv_harvester_last_run_status{job="tv_harvester",instance="${gateway}",step="publish",status="succeeded"}`, values: "_x69 1x20" },
    ];
    // The failed attempt pages once serve-style retries had their 40 minutes (the rule's `for`), per job and status.
    const failed = {
      exp_labels: { severity: "critical", job: "tv_harvester", status: "failed" },
      exp_annotations: Object.fromEntries(
        Object.entries(annotations("TvHarvesterHarvestFailed", gateway)).map(([k, v]) => [k, v.replaceAll("{{ $labels.status }}", "failed")]),
      ),
    };
    const budget = {
      exp_labels: { severity: "warning", job: "tv_harvester", instance: gateway, step: "omdb" },
      exp_annotations: annotations("TvHarvesterOmdbBudgetExhausted", gateway),
    };
    const testFile = {
      rule_files: [rulesFile],
      evaluation_interval: "1m",
      tests: [
        {
          name: "step-wise run",
          interval: "1m",
          input_series: input,
          alert_rule_test: [
            { eval_time: "5m", alertname: "TvHarvesterHarvestFailed", exp_alerts: [] },
            { eval_time: "45m", alertname: "TvHarvesterHarvestFailed", exp_alerts: [] },
            { eval_time: "55m", alertname: "TvHarvesterHarvestFailed", exp_alerts: [failed] },
            // Staleness: the gateway drops the series at the PUT; within Prometheus' 5-minute look-back it lingers.
            { eval_time: "66m", alertname: "TvHarvesterHarvestFailed", exp_alerts: [] },
            { eval_time: "80m", alertname: "TvHarvesterHarvestFailed", exp_alerts: [] },
            { eval_time: "60m", alertname: "TvHarvesterOmdbBudgetExhausted", exp_alerts: [] },
            { eval_time: "80m", alertname: "TvHarvesterOmdbBudgetExhausted", exp_alerts: [budget] },
          ],
        },
      ],
    };
    const dir = mkdtempSync(path.join(os.tmpdir(), "tvh-step-alerts-"));
    try {
      writeFileSync(path.join(dir, "steps.test.yml"), stringify(testFile));
      const result = run(promtool!, ["test", "rules", "steps.test.yml"], { cwd: dir });
      expect(result.output, result.output).toContain("SUCCESS");
      expect(result.status, result.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
