/**
 * A REAL Prometheus (Debian's /usr/bin/prometheus) scrapes a REAL agency: the orchestrator API's
 * /metrics and a worker metrics endpoint (the agency's registry served as bin/worker.ts serves it),
 * with the repo's alert rules loaded. After an intake has run to completion, every dashboard query
 * and every alert expression must evaluate through Prometheus's HTTP API, and every metric they name
 * must have series, except the exporters' metrics, which only exist in the deployed stack and are
 * listed below by name.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@roboagency/testing/ports";
import { healthHandler } from "@roboagency/orchestrator";
import { anIntake, eventually, startTestAgency, type TestAgency } from "@roboagency/testing/agency";
import { alertRules, loadYaml, monitoringDir } from "./test-support.ts";

/**
 * Metrics the dashboards or alerts name that nothing in this test can produce, each with why.
 * The test also checks they really are absent, so this list cannot hide a metric that appears.
 */
const EXPECTED_ABSENT: Record<string, string> = {
  caddy_http_request_duration_seconds_count: "Caddy's metrics (caddy:2019)",
  caddy_http_request_duration_seconds_bucket: "Caddy's metrics (caddy:2019)",
  caddy_http_requests_in_flight: "Caddy's metrics (caddy:2019)",
  caddy_http_response_size_bytes_sum: "Caddy's metrics (caddy:2019)",
  caddy_http_response_duration_seconds_bucket: "Caddy's metrics (caddy:2019)",
  probe_success: "the blackbox exporter",
  probe_ssl_earliest_cert_expiry: "the blackbox exporter",
  node_cpu_seconds_total: "node-exporter",
  node_memory_MemAvailable_bytes: "node-exporter",
  node_memory_MemTotal_bytes: "node-exporter",
  node_memory_SwapTotal_bytes: "node-exporter",
  node_memory_SwapFree_bytes: "node-exporter",
  node_filesystem_avail_bytes: "node-exporter",
  node_filesystem_size_bytes: "node-exporter",
  node_boot_time_seconds: "node-exporter",
  node_load1: "node-exporter",
  node_load5: "node-exporter",
  node_load15: "node-exporter",
  node_disk_read_bytes_total: "node-exporter",
  node_disk_written_bytes_total: "node-exporter",
  node_disk_io_time_seconds_total: "node-exporter",
  node_network_receive_bytes_total: "node-exporter",
  node_network_transmit_bytes_total: "node-exporter",
  node_network_receive_errs_total: "node-exporter",
  node_network_transmit_errs_total: "node-exporter",
  node_network_receive_drop_total: "node-exporter",
  node_network_transmit_drop_total: "node-exporter",
  redis_up: "redis-exporter",
  redis_memory_used_bytes: "redis-exporter",
  redis_memory_max_bytes: "redis-exporter",
  pg_up: "postgres-exporter",
  pg_stat_database_numbackends: "postgres-exporter",
  alertmanager_notifications_failed_total: "Alertmanager's own metrics",
};

/**
 * Metrics the orchestrator declares whose series appear only once a run has called an LLM; the
 * offline drafting model spends no tokens. For these the scrape must carry their `# TYPE` line.
 */
const LLM_USAGE = ["agency_llm_tokens_total", "agency_llm_cost_usd_total"];

interface Query {
  where: string;
  expr: string;
}

function dashboardQueries(): Query[] {
  const dir = path.join(monitoringDir, "grafana/dashboards");
  const out: Query[] = [];
  type Panel = { title?: string; targets?: Array<{ expr?: string }>; panels?: Panel[] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const dashboard = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Panel;
    const walk = (panels: Panel[] = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? [])
          if (t.expr) out.push({ where: `${file}: ${p.title}`, expr: grafanaToPromQL(t.expr) });
        walk(p.panels);
      }
    };
    walk(dashboard.panels);
  }
  return out;
}

/** Grafana's variables as Prometheus sees them once Grafana has substituted them. */
function grafanaToPromQL(expr: string): string {
  return expr.replace(/\$__rate_interval/g, "1m").replace(/\$\{?service\}?/g, ".+");
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
  "le",
]);

/** The metric names a PromQL expression selects. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const name = m[1]!;
    if (KEYWORDS.has(name.toLowerCase()) || /^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

let t: TestAgency;
let workerServer: Server;
let prometheus: ChildProcess;
let promUrl: string;
let scratch: string;
let promLog = "";

async function promQuery(
  query: string,
): Promise<{ status: string; error?: string; data?: { result: unknown[] } }> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  return (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
}

beforeAll(async () => {
  t = await startTestAgency({ CALENDAR_URL: "https://cal.example/agency" });
  // The worker target, served like bin/worker.ts serves its /metrics and /health.
  const worker = express();
  worker.get("/health", healthHandler(t.agency));
  worker.get("/metrics", async (_req, res) => {
    res
      .set("content-type", t.agency.metrics.registry.contentType)
      .send(await t.agency.metrics.registry.metrics());
  });
  workerServer = worker.listen(0, "127.0.0.1");
  await once(workerServer, "listening");
  const workerPort = (workerServer.address() as AddressInfo).port;

  // The repo's scrape jobs for the two services, pointed at this machine, scraped every second.
  const deployed = loadYaml<{
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ labels: object }> }>;
  }>("prometheus/prometheus.yml");
  const job = (name: string, target: string) => {
    const original = deployed.scrape_configs.find((j) => j.job_name === name)!;
    return {
      job_name: name,
      static_configs: [{ targets: [target], labels: original.static_configs[0]!.labels }],
    };
  };
  scratch = mkdtempSync(path.join(tmpdir(), "agency-prometheus-"));
  copyFileSync(path.join(monitoringDir, "prometheus/alerts.yml"), path.join(scratch, "alerts.yml"));
  writeFileSync(
    path.join(scratch, "prometheus.yml"),
    JSON.stringify({
      global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
      rule_files: ["alerts.yml"],
      scrape_configs: [job("orchestrator", new URL(t.url).host), job("worker", `127.0.0.1:${workerPort}`)],
    }),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    "/usr/bin/prometheus",
    [
      `--config.file=${path.join(scratch, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(scratch, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  prometheus.stdout!.on("data", (c: Buffer) => (promLog += c.toString()));
  prometheus.stderr!.on("data", (c: Buffer) => (promLog += c.toString()));
  const spawned = await Promise.race([
    once(prometheus, "spawn").then(() => true),
    once(prometheus, "error").then(([err]) => {
      throw new Error(
        `/usr/bin/prometheus could not start (${(err as Error).message}); install it: apt-get install prometheus`,
      );
    }),
  ]);
  expect(spawned).toBe(true);
  await eventually(async () => {
    if (prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${promLog}`);
    const ready = await fetch(`${promUrl}/-/ready`).catch(() => undefined);
    return ready?.ok ? true : undefined;
  }, 30_000);

  // An intake run to completion, so the pipeline's series exist, and its emails sent.
  const intake = await (await t.api("/v1/intake", { method: "POST", json: anIntake() })).json();
  await eventually(async () => {
    const run = await (await t.api(`/v1/runs/${intake.run_id}`)).json();
    if (run.status === "failed") throw new Error(`run failed: ${run.error}`);
    return run.status === "completed" ? run : undefined;
  }, 90_000);
  await eventually(async () => {
    const { rows } = await t.agency.pool.query(
      "SELECT count(*)::int AS n FROM campaign_emails WHERE status = 'sent'",
    );
    return rows[0].n === 3 ? true : undefined;
  }, 60_000);
  // Scrapes after the run: the completed run and the sent emails are in Prometheus.
  await eventually(async () => {
    const runs = await promQuery('agency_pipeline_runs_total{status="completed",job="worker"} > 0');
    const mails = await promQuery('sum(agency_emails_sent_total{job="orchestrator"}) >= 3');
    return runs.data?.result.length && mails.data?.result.length ? true : undefined;
  }, 30_000);
}, 240_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = once(prometheus, "exit");
    prometheus.kill("SIGTERM");
    await exited;
  }
  workerServer?.close();
  await t?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("Prometheus scraping a running agency", () => {
  it("when Prometheus scrapes both targets, then both are up with the repo's service labels", async () => {
    const res = await promQuery("up");
    const series = (
      res.data!.result as Array<{ metric: Record<string, string>; value: [number, string] }>
    ).map((r) => [r.metric.job, r.metric.service, r.value[1]]);
    expect(series.sort()).toEqual([
      ["orchestrator", "orchestrator", "1"],
      ["worker", "worker", "1"],
    ]);
  });

  it("when the repo's alert rules are loaded into Prometheus, then all 13 load healthy", async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const rules = res.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name).sort()).toEqual(
      alertRules()
        .map((r) => r.alert)
        .sort(),
    );
    await eventually(async () => {
      const again = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof res;
      const all = again.data.groups.flatMap((g) => g.rules);
      return all.every((r) => r.health === "ok") ? true : undefined;
    }, 10_000);
  });

  const queries = [
    ...dashboardQueries(),
    ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
  ];

  it("when every dashboard query and alert expression is sent to Prometheus, then each parses and evaluates", async () => {
    expect(queries.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const q of queries) {
      const res = await promQuery(q.expr);
      if (res.status !== "success") failures.push(`${q.where}: ${res.error} in ${q.expr}`);
    }
    expect(failures).toEqual([]);
  });

  it("when the metrics the queries name are looked up, then each has series unless it is an exporter's (listed by name) or LLM usage", async () => {
    const named = [...new Set(queries.flatMap((q) => metricNames(q.expr)))].sort();
    expect(named).toEqual(
      expect.arrayContaining(["http_requests_total", "agency_pipeline_runs_total", "up"]),
    );
    const missing: string[] = [];
    const presentButListedAbsent: string[] = [];
    for (const name of named) {
      const res = await promQuery(`count({__name__="${name}"})`);
      const has = (res.data?.result.length ?? 0) > 0;
      if (LLM_USAGE.includes(name)) continue;
      if (!has && !(name in EXPECTED_ABSENT)) missing.push(name);
      if (has && name in EXPECTED_ABSENT) presentButListedAbsent.push(name);
    }
    expect(missing, "metrics the dashboards/alerts query but nothing exposes").toEqual([]);
    expect(presentButListedAbsent, "listed as absent but present: remove from EXPECTED_ABSENT").toEqual([]);
    // Every name on the lists is still queried somewhere, so the lists do not rot.
    expect([...Object.keys(EXPECTED_ABSENT), ...LLM_USAGE].filter((n) => !named.includes(n))).toEqual([]);
    const exposition = await (await fetch(`${t.url}/metrics`)).text();
    for (const name of LLM_USAGE)
      expect(exposition, `${name} is not declared`).toContain(`# TYPE ${name} counter`);
  });

  it("when the pipeline ran, then its step, run, lead_ready and email series carry the values of that run", async () => {
    const value = async (q: string) => {
      const res = await promQuery(q);
      return Number((res.data!.result[0] as { value: [number, string] } | undefined)?.value[1] ?? NaN);
    };
    expect(await value('sum(agency_pipeline_runs_total{job="orchestrator",status="completed"})')).toBe(1);
    expect(await value('count(agency_pipeline_step_duration_seconds_count{job="orchestrator"} > 0)')).toBe(8);
    expect(await value('sum(agency_emails_sent_total{job="orchestrator"})')).toBe(3);
    expect(await value('sum(agency_lead_ready_seconds_count{job="orchestrator"})')).toBe(1);
    expect(
      await value('sum(http_requests_total{job="orchestrator",route="/v1/intake",status_code="202"})'),
    ).toBe(1);
  });
});

describe("metricNames", () => {
  it("when an expression has labels, ranges, functions and groupings, then only metric names come out", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket{service=~"a|b"}[5m]))) > 0.5 and on(x) up offset 5m',
      ).sort(),
    ).toEqual(["http_request_duration_seconds_bucket", "up"]);
  });
});
