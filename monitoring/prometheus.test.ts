import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHttpsProbeTargets } from "./files.ts";
import { alertRules, loadYaml, repoRoot, runTool, scratchCopy } from "./test-support.ts";

const runbookUrl = "https://github.com/roboagency/roboagency/blob/main/docs/runbook.md#";

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const heading = match[1] ?? "";
    anchors.add(
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, "")
        .replace(/\s/g, "-"),
    );
  }
  return anchors;
}

describe("prometheus config", () => {
  let scratch: ReturnType<typeof scratchCopy>;
  beforeAll(() => {
    scratch = scratchCopy();
    // As in the container: the stack renders the probe targets beside prometheus.yml.
    mkdirSync(path.join(scratch.dir, "prometheus/targets"), { recursive: true });
    writeFileSync(
      path.join(scratch.dir, "prometheus/targets/https.json"),
      renderHttpsProbeTargets(["https://agency.example/", "https://agency.example/v1/health"]),
    );
  });
  afterAll(() => scratch.cleanup());

  it("when promtool checks prometheus.yml with its rule file and probe targets, then both load without warnings", () => {
    const result = runTool(
      "promtool",
      ["check", "config", "prometheus.yml"],
      path.join(scratch.dir, "prometheus"),
    );
    expect(result.output).not.toMatch(/WARNING|FAILED/);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it("when promtool checks the rules, then every rule parses", () => {
    const result = runTool("promtool", ["check", "rules", "prometheus/alerts.yml"]);
    expect(result.status, result.output).toBe(0);
  });

  it("when the rule unit tests run, then every expected alert fires and every quiet case stays quiet", () => {
    const result = runTool("promtool", ["test", "rules", "prometheus/alerts.test.yml"]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain("SUCCESS");
  });

  it("every scrape job labels its targets with service", () => {
    interface Job {
      job_name: string;
      static_configs?: { labels?: Record<string, string> }[];
      relabel_configs?: { target_label?: string }[];
    }
    const config = loadYaml<{ scrape_configs: Job[] }>("prometheus/prometheus.yml");
    const unlabelled = config.scrape_configs.filter(
      (job) =>
        !job.relabel_configs?.some((rule) => rule.target_label === "service") &&
        !(job.static_configs ?? []).every((group) => group.labels?.service),
    );
    expect(unlabelled.map((job) => job.job_name)).toEqual([]);
  });
});

describe("alert rules", () => {
  const rules = alertRules();
  const anchors = githubAnchors(readFileSync(path.join(repoRoot, "docs/runbook.md"), "utf8"));

  it("every alert has a severity, a summary, a description and a runbook_url whose anchor is in docs/runbook.md", () => {
    const problems: string[] = [];
    for (const rule of rules) {
      if (!["critical", "warning"].includes(rule.labels?.severity ?? ""))
        problems.push(`${rule.alert}: severity`);
      if (!rule.annotations?.summary) problems.push(`${rule.alert}: summary`);
      if (!rule.annotations?.description) problems.push(`${rule.alert}: description`);
      const url = rule.annotations?.runbook_url ?? "";
      if (!url.startsWith(runbookUrl)) problems.push(`${rule.alert}: runbook_url ${url}`);
      else if (!anchors.has(url.slice(runbookUrl.length)))
        problems.push(`${rule.alert}: no heading for ${url}`);
    }
    expect(problems).toEqual([]);
  });

  it("alert names are unique", () => {
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
  });

  it("every alert has a unit test where it fires and one where it stays quiet", () => {
    interface RuleTest {
      alertname: string;
      exp_alerts?: unknown[] | null;
    }
    const file = loadYaml<{ tests: { alert_rule_test?: RuleTest[] }[] }>("prometheus/alerts.test.yml");
    const cases = file.tests.flatMap((test) => test.alert_rule_test ?? []);
    const untested = rules.flatMap((rule) => {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      const missing: string[] = [];
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${rule.alert} never fires`);
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${rule.alert} is never quiet`);
      return missing;
    });
    const unknown = cases
      .filter((c) => !rules.some((rule) => rule.alert === c.alertname))
      .map((c) => c.alertname);
    expect(untested).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it("the seed's four alerts keep their thresholds: down at once, 1% errors for 5m, p95 500ms for 15m, disk 80% for 1h", () => {
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    expect(byName.get("ServiceDown")).toMatchObject({ for: "0m", labels: { severity: "critical" } });
    expect(byName.get("ApiHighErrorRate")).toMatchObject({ for: "5m" });
    expect(byName.get("ApiHighErrorRate")?.expr).toMatch(/> 0\.01\s*$/);
    expect(byName.get("ApiHighLatency")).toMatchObject({ for: "15m" });
    expect(byName.get("ApiHighLatency")?.expr).toMatch(/histogram_quantile\(0\.95,[\s\S]*> 0\.5\s*$/);
    expect(byName.get("DiskSpaceLow")).toMatchObject({ for: "1h" });
    expect(byName.get("DiskSpaceLow")?.expr).toMatch(/> 0\.80\s*$/);
  });
});
