import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadYaml, monitoringDir, runTool } from "./test-support.ts";

interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string }[] };
}

const dashboardDir = path.join(monitoringDir, "grafana/dashboards");
const dashboards = readdirSync(dashboardDir)
  .filter((file) => file.endsWith(".json"))
  .sort()
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(path.join(dashboardDir, file), "utf8")) as Dashboard,
  }));

const provisioned = loadYaml<{ datasources: { uid: string; type: string; url: string }[] }>(
  "grafana/provisioning/datasources/prometheus.yml",
).datasources;

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/**
 * Grafana fills in its variables before the query reaches Prometheus; promtool sees what
 * Prometheus would: built-in intervals become durations, dashboard variables a match-all regex.
 */
function asPromQL(expr: string, variables: readonly string[]): string {
  const builtIn: Record<string, string> = { __rate_interval: "5m", __interval: "1m", __range: "1h" };
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => {
    if (name in builtIn) return builtIn[name]!;
    if (variables.includes(name)) return ".*";
    throw new Error(`${whole} is neither a Grafana interval nor a variable of this dashboard`);
  });
}

/** Parses expressions with promtool: each becomes a recording rule, and `check rules` parses PromQL. */
function parseWithPromtool(exprs: { name: string; expr: string }[]): ReturnType<typeof runTool> {
  const dir = mkdtempSync(path.join(tmpdir(), "agency-grafana-"));
  try {
    const rules = exprs.map(
      ({ name, expr }) => `      - record: ${name}\n        expr: ${JSON.stringify(expr)}\n`,
    );
    writeFileSync(
      path.join(dir, "exprs.yml"),
      `groups:\n  - name: dashboards\n    rules:\n${rules.join("")}`,
    );
    return runTool("promtool", ["check", "rules", "exprs.yml"], dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("grafana provisioning", () => {
  it("provisions one Prometheus datasource with the fixed uid prometheus at the prometheus container", () => {
    expect(provisioned).toEqual([
      expect.objectContaining({ uid: "prometheus", type: "prometheus", url: "http://prometheus:9090" }),
    ]);
  });

  it("ships the edge, api, pipeline and host dashboards with unique uids", () => {
    expect(dashboards.map((d) => d.file)).toEqual(["api.json", "edge.json", "host.json", "pipeline.json"]);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

describe.each(dashboards)("dashboard $file", ({ dashboard }) => {
  const panels = allPanels(dashboard.panels);
  const variables = dashboard.templating.list.map((variable) => variable.name);

  it("every panel and every query use the provisioned Prometheus datasource", () => {
    const wrong = panels.flatMap((panel) => [
      ...(panel.datasource?.uid === "prometheus" && panel.datasource.type === "prometheus"
        ? []
        : [`panel ${panel.id} "${panel.title}"`]),
      ...(panel.targets ?? [])
        .filter((target) => target.datasource?.uid !== "prometheus")
        .map((target) => `panel ${panel.id} query ${target.refId}`),
    ]);
    expect(wrong).toEqual([]);
  });

  it("every panel has a title, a unique id and fits the 24-column grid; every chart has a query", () => {
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      expect(panel.title, `panel ${panel.id}`).toBeTruthy();
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type !== "row") expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it("when promtool parses every query, then all are valid PromQL", () => {
    const exprs = panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        name: `grafana:${dashboard.uid.replace(/\W/g, "_")}:panel${panel.id}:${target.refId}`,
        expr: asPromQL(target.expr, variables),
      })),
    );
    expect(exprs.length).toBeGreaterThan(0);
    const result = parseWithPromtool(exprs);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});

describe("dashboard query check", () => {
  it("when a query is not valid PromQL, then promtool rejects it", () => {
    const result = parseWithPromtool([
      { name: "broken", expr: "sum by (route (rate(http_requests_total[5m]))" },
    ]);
    expect(result.status).not.toBe(0);
  });

  it("when a query uses a variable the dashboard does not define, then it is refused by name", () => {
    expect(() => asPromQL('up{service=~"$nope"}', ["service"])).toThrow(/\$nope/);
  });

  it("the dashboards chart every metric the agency exposes", () => {
    const text = dashboards.map((d) => JSON.stringify(d.dashboard)).join("\n");
    const expected = [
      "http_request_duration_seconds_bucket",
      "http_requests_total",
      "agency_queue_depth",
      "agency_pipeline_step_duration_seconds_bucket",
      "agency_pipeline_step_failures_total",
      "agency_pipeline_runs_total",
      "agency_emails_sent_total",
      "agency_llm_tokens_total",
      "agency_llm_cost_usd_total",
      "caddy_http_request_duration_seconds_bucket",
      "node_cpu_seconds_total",
      "node_memory_MemAvailable_bytes",
      "node_filesystem_avail_bytes",
      "node_network_receive_bytes_total",
    ];
    expect(expected.filter((metric) => !text.includes(metric))).toEqual([]);
  });
});
