/**
 * The end-of-run summary as text for people (series loaded, ratings per source, rejects, requests per
 * upstream, duration, what was fetched again and what is overdue per source). Machines read the same summary as JSON from the log and `harvest_run.summary`.
 */
import { formatTable } from "../text-table.js";
import type { HarvestSummary } from "./run-state.js";

/** Renders the summary as aligned text lines. */
export function formatSummary(summary: HarvestSummary): string {
  const rows: [string, string | number][] = [];
  const row = (label: string, value: string | number) => rows.push([label, value]);
  const lost = summary.seriesLost > 0 ? `, ${summary.seriesLost} series lost` : "";
  const title = `Harvest run ${summary.runId}: ${summary.status.toUpperCase()}${summary.resumed ? " (resumed)" : ""}${lost}`;
  if (summary.error) row("error", summary.error);
  row("duration", `${summary.durationSeconds.toFixed(1)} s`);
  row("pages", summary.pages);
  row("series listed", summary.seriesListed);
  row("series loaded", summary.seriesLoaded);
  const a = summary.accounting;
  row("accounted", `listed ${a.listed} = loaded ${a.loaded} + lost ${a.lost} + gone ${a.gone} + rejected ${a.rejected}`);
  if (summary.seriesLost > 0) row("series lost", `${summary.seriesLost} (quarantined after their retries; see rejects)`);
  if (summary.seriesGone > 0) row("series gone", `${summary.seriesGone} (details answered 404)`);
  const kept = Object.entries(summary.keptValues);
  if (kept.length > 0) row("values kept", `${kept.map(([field, n]) => `${field}=${n}`).join(", ")} (missing from the details; the known value kept)`);
  const ratings = Object.entries(summary.ratingsBySource);
  row("ratings per source", ratings.length ? ratings.map(([s, n]) => `${s}=${n}`).join(", ") : "none");
  row("rejects", `${summary.quarantine.rejected} rejected, ${summary.quarantine.schemaDrift} schema drift, ${summary.quarantine.flagged} flagged`);
  for (const q of summary.quarantine.details.filter((d) => d.kind !== "flagged")) row("", `${q.kind} ${q.source}/${q.reason}: ${q.count}`);
  const requests = Object.entries(summary.requests);
  row(
    "requests",
    requests.length
      ? requests
          .map(([u, s]) => `${u}=${s?.requests ?? 0}${s?.retries ? ` (${s.retries} retries)` : ""}${s?.throttled ? ` (${s.throttled}×429)` : ""}`)
          .join(", ")
      : "none",
  );
  if (summary.reusedFromStage > 0) row("re-used answers", summary.reusedFromStage);
  row(
    "omdb",
    `${summary.omdb.status}: ${summary.omdb.found} found, ${summary.omdb.notFound} not found, ${summary.omdb.skipped} skipped${summary.omdb.budgetRemaining === null ? "" : `, budget left ${summary.omdb.budgetRemaining}`}`,
  );
  const enrichment = summary.enrichment;
  if (enrichment?.status === "disabled") row("ratings sites", "disabled");
  else if (enrichment) {
    for (const [site, c] of Object.entries(enrichment.bySite)) {
      const strategies = Object.entries(c.strategies)
        .map(([name, n]) => `${name}=${n}`)
        .join(" ");
      row(
        site,
        `${c.pagesParsed} parsed, ${c.noPage} without page, ${c.layoutChanges} layout changes, ${c.browserFallbacks} via browser, ${c.slugsRejected} wrong-show slugs rejected${strategies ? ` [${strategies}]` : ""}`,
      );
    }
  }
  const refresh = summary.refresh;
  if (refresh) {
    const kind = refresh.kind === "full" ? `full (${refresh.reason ?? "forced"})` : refresh.kind;
    const changed = refresh.changed === undefined ? "" : `, ${refresh.changed} in /tv/changes`;
    row("refresh", `${kind}: ${refresh.detailsFetched} details fetched, ${refresh.carriedForward} carried forward${changed}`);
    const days = (seconds: number | null) => (seconds === null ? "none" : `${(seconds / 86_400).toFixed(1)} d`);
    const overdue = Object.entries(refresh.overdue).map(([source, o]) => `${source}=${o.overdue} (oldest ${days(o.oldestValueAgeSeconds)})`);
    if (overdue.length > 0) row("overdue series", overdue.join(", "));
  }
  const failed = summary.quality.filter((q) => !q.passed);
  row("quality checks", `${summary.quality.length - failed.length}/${summary.quality.length} passed`);
  for (const q of failed) row("", `FAILED ${q.severity} ${q.check}: observed ${q.observed ?? "n/a"}, expected ${q.threshold ?? ""}`);
  return `${title}\n${formatTable([{}, {}], rows, 2)}`;
}
