/**
 * `npm run bench`: the API's speed beside its baselines, the pipeline's throughput and the app
 * tier's memory, written to bench-results/bench.json with a short table. A benchmark, not a
 * test: it asserts nothing, it measures, and says which of the targets (issue 13) it met.
 *
 * Every process runs apart from this one, which only keeps the books: the targets, and the load
 * generator (autocannon, scripts/bench-load.ts, one process per load run). The supervisor stops
 * each of them at the end, on an error and on Ctrl-C.
 *
 * Phases, each on a fresh database and queue:
 *  A. local mode (`npm start`'s layout: API and worker in one process, runs in worker threads):
 *     intake → lead_ready one run at a time; a bare Express route, an Express route doing one
 *     indexed read of the run's row, GET /v1/runs/{id} (200, and 304 with If-None-Match) while
 *     idle, and GET /v1/runs/{id} while pipeline runs execute.
 *  B. the API alone (production's layout, the worker elsewhere): POST /v1/intake under load. With
 *     REDIS_URL production's code and configuration too: the bundle the image runs (dist/server.js),
 *     NODE_ENV=production, production's log level (info: a line per request) and Redis for the
 *     limits and the queue, so the answer pays the enqueue path production pays. Without it under
 *     tsx, with the limits on Postgres and the in-process queue.
 *  C. throughput and memory: a batch of intakes through the pipeline (offline model, MP4 off),
 *     projects per minute, with the portal and the API under load meanwhile, and the resident
 *     memory of each process. With REDIS_URL (a shared queue) production's layout and code: API,
 *     worker and portal as separate processes running what the images run (the orchestrator
 *     bundled by its Dockerfile's esbuild command, the portal's built server.js; see
 *     scripts/bench-production.ts). Without it `npm start`'s: the local process and the portal.
 *  L. the portal's Largest Contentful Paint (services/frontend/bench/lcp.ts, its own results file).
 *
 * Options: --duration <s> (10), --connections <n> (16), --runs <n> (3), --batch <n> (20),
 * --phases <list> (A,B,C,L: the phases to run, e.g. `--phases B` or `--phases A,C`; the ratios and
 * targets of a phase left out are left out of the results too). `npm run bench -- <options>`
 * passes them here: LCP is phase L, not a second command that would take them instead.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import type { LoadResult, LoadSpec } from "./bench-load.ts";
import { buildOrchestrator, IMAGE_ENV, ORCHESTRATOR_DIST, PORTAL_SERVER } from "./bench-production.ts";
import { rssMiB, Supervisor, type Supervised } from "./bench-supervisor.ts";
import { ensureBuilt } from "../services/frontend/start.ts";

const root = path.resolve(import.meta.dirname, "..");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION_S = arg("duration", 10);
const CONNECTIONS = arg("connections", 16);
const RUNS = arg("runs", 3);
const BATCH = arg("batch", 20);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY || 2);
const PHASE_NAMES = ["A", "B", "C", "L"] as const;
type Phase = (typeof PHASE_NAMES)[number];
const PHASES: ReadonlySet<Phase> = (() => {
  const i = process.argv.indexOf("--phases");
  if (i < 0) return new Set(PHASE_NAMES);
  const given = (process.argv[i + 1] ?? "").split(",").map((x) => x.trim().toUpperCase());
  const bad = given.filter((x) => !(PHASE_NAMES as readonly string[]).includes(x));
  if (bad.length || given.length === 0) {
    console.error(
      `bench: --phases takes a comma-separated list of ${PHASE_NAMES.join(", ")}; got ${process.argv[i + 1]}`,
    );
    process.exit(2);
  }
  return new Set(given as Phase[]);
})();

const TARGETS = {
  get_run_vs_one_query_rps: 0.8,
  get_run_p95_ms: 15,
  intake_p95_ms: 50,
  get_run_during_pipeline_vs_idle_p95: 2,
  projects_per_minute: 20,
  app_tier_rss_mib: 600,
};

const supervisor = new Supervisor();
supervisor.handleSignals();

/** Node with tsx's loader in the same process, so the pid is the process that does the work. */
const tsx = (script: string, args: string[] = []) => ["--import", "tsx", path.join(root, script), ...args];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function request(
  url: string,
  method = "GET",
  body?: string,
): Promise<{ status: number; body: string; etag?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, headers: body ? { "content-type": "application/json" } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            etag: res.headers.etag,
          }),
        );
      },
    );
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

const intake = (tag: string) =>
  JSON.stringify({
    email: `bench-${tag}@example.com`,
    sector: "saas",
    idea: "A scheduling assistant for small clinics that fills cancelled appointment slots from a waitlist.",
    goals: "Fewer no-shows",
    budget: "$20k",
    timeline: "8 weeks",
  });

async function submit(api: string, tag: string): Promise<string> {
  const res = await request(`${api}/v1/intake`, "POST", intake(tag));
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${res.body}`);
  return (JSON.parse(res.body) as { run_id: string }).run_id;
}

interface RunStatus {
  status: string;
  error: string | null;
  created_at: string;
  lead_ready_at: string | null;
}

async function runStatus(api: string, runId: string): Promise<RunStatus> {
  const run = JSON.parse((await request(`${api}/v1/runs/${runId}`)).body) as RunStatus;
  if (run.status === "failed") throw new Error(`bench run failed: ${run.error}`);
  return run;
}

async function leadReady(api: string, runId: string): Promise<RunStatus> {
  for (;;) {
    const run = await runStatus(api, runId);
    if (run.lead_ready_at) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One load run in its own process (autocannon). */
async function load(spec: Omit<LoadSpec, "connections" | "durationSeconds"> & Partial<LoadSpec>) {
  const full: LoadSpec = { connections: CONNECTIONS, durationSeconds: DURATION_S, ...spec };
  const p = supervisor.start("load", process.execPath, tsx("scripts/bench-load.ts", [JSON.stringify(full)]));
  const result = await supervisor.ready<LoadResult>(p);
  await p.exited;
  return result;
}

/** Highest resident memory of each process while `during` runs, sampled every 250 ms. */
async function peakRss<T>(
  processes: Record<string, Supervised>,
  during: () => Promise<T>,
): Promise<{ value: T; rss: Record<string, number> }> {
  const peak: Record<string, number> = {};
  const sample = () => {
    for (const [name, p] of Object.entries(processes)) {
      const mib = rssMiB(p.pid);
      if (mib !== undefined) peak[name] = Math.max(peak[name] ?? 0, mib);
    }
  };
  sample();
  const timer = setInterval(sample, 250);
  try {
    return { value: await during(), rss: peak };
  } finally {
    clearInterval(timer);
    sample();
  }
}

/** A fresh agency environment: its own data folder, database and queue. */
async function freshEnv(redis: boolean): Promise<NodeJS.ProcessEnv> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agency-bench-"));
  // As root, embedded Postgres runs as the postgres user, who must reach the folder.
  chmodSync(dataDir, 0o755);
  supervisor.onShutdown(async () => rmSync(dataDir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGENCY_DATA_DIR: dataDir,
    API_PORT: "0",
    LOG_LEVEL: "error",
    CAMPAIGN_DELAYS: "0,0,0",
    RUN_QUEUE_NAME: `bench-${randomBytes(4).toString("hex")}`,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    // The machine's own speed: no operator in the loop, no ceiling on intakes, no MP4.
    AGENCY_REVIEW_GATES: "none",
    AGENCY_EXPLAINER_VIDEO: "off",
    AGENCY_INTAKES_PER_DAY: "1000000",
    AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "10000",
    AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "0",
    // Given, so every process of a phase (API, worker, portal) shares them.
    SECRET_KEY: randomBytes(24).toString("base64url"),
    AGENCY_ADMIN_TOKEN: randomBytes(24).toString("base64url"),
    AGENCY_PORTAL_TOKEN: randomBytes(24).toString("base64url"),
  };
  if (!redis) delete env.REDIS_URL;
  else {
    // The phase's queue goes with it: phase B leaves every intake's job waiting, nothing runs them.
    supervisor.onShutdown(async () => {
      const connection = new Redis(env.REDIS_URL!, { maxRetriesPerRequest: 3 });
      try {
        await new Queue(env.RUN_QUEUE_NAME!, { connection, prefix: "agency" }).obliterate({ force: true });
      } finally {
        connection.disconnect();
      }
    });
  }
  if (process.env.DATABASE_URL) {
    const name = `bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    supervisor.onShutdown(async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    });
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  } else {
    env.AGENCY_PG_PORT = String(55000 + Math.floor(Math.random() * 5000));
  }
  return env;
}

interface Target {
  api: string;
  bare: string;
  oneQuery: string;
}

async function startTarget(env: NodeJS.ProcessEnv, args: string[]) {
  const p = supervisor.start(
    `target ${args.join(" ")}`.trim(),
    process.execPath,
    tsx("scripts/bench-target.ts", args),
    {
      env,
    },
  );
  return { p, ...(await supervisor.ready<Target>(p)) };
}

async function waitForHttp(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await request(url)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
    : NaN;

async function main() {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      memory_gb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      load_average_at_start: loadavg().map((l) => round(l)),
    },
    setup: {
      database: process.env.DATABASE_URL ? "Postgres at DATABASE_URL" : "embedded Postgres",
      load_generator: "autocannon, one process per load run",
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      worker_concurrency: CONCURRENCY,
      drafting: "offline model, MP4 off, no review gates",
    },
    targets: TARGETS,
    phases: [...PHASES],
  };
  if (PHASES.has("A")) await phaseA(results);
  if (PHASES.has("B")) await phaseB(results);
  if (PHASES.has("C")) await phaseC(results);
  summarise(results);

  mkdirSync(path.join(root, "bench-results"), { recursive: true });
  const out = path.join(root, "bench-results", "bench.json");
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  printTable(results);
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
  // Last, on a machine the other phases have left: LCP is a page's time, not a load test.
  if (PHASES.has("L")) await phaseL();
}

/** The API as its image runs it (see scripts/bench-production.ts), on a port of its own. */
async function startProductionApi(env: NodeJS.ProcessEnv): Promise<{ p: Supervised; api: string }> {
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  const p = supervisor.start("api", process.execPath, [path.join(ORCHESTRATOR_DIST, "server.js")], {
    env: { ...env, API_PORT: String(apiPort) },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForHttp(`${api}/health`);
  return { p, api };
}

/** What production's images set: their ENV lines, and the embedded database allowed here. */
const productionEnv = (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  ...env,
  ...IMAGE_ENV,
  AGENCY_ALLOW_EMBEDDED: "true",
  API_HOST: "127.0.0.1",
});

/** Phase A: local mode. */
async function phaseA(results: Record<string, unknown>) {
  const envA = await freshEnv(false);
  const local = await startTarget(envA, ["--worker"]);
  const seconds: number[] = [];
  let seed = "";
  for (let i = 0; i < RUNS; i++) {
    seed = await submit(local.api, `seq-${i}`);
    const run = await leadReady(local.api, seed);
    seconds.push((Date.parse(run.lead_ready_at!) - Date.parse(run.created_at)) / 1000);
  }
  seconds.sort((a, b) => a - b);
  results.intake_to_lead_ready_s = {
    runs: seconds.length,
    p50: round(percentile(seconds, 50)),
    max: round(percentile(seconds, 100)),
    note: "one run at a time, so no queue wait; local mode",
  };
  const runUrl = `${local.api}/v1/runs/${seed}`;
  const first = await request(runUrl);
  results.get_run_body_bytes = Buffer.byteLength(first.body);
  const bare = await load({ url: local.bare, expect: 200 });
  const oneQuery = await load({ url: `${local.oneQuery}/${seed}`, expect: 200 });
  const getRun = await load({ url: runUrl, expect: 200 });
  const getRun304 = await load({ url: runUrl, headers: { "if-none-match": first.etag! }, expect: 304 });
  results.baseline_bare_express = bare;
  results.baseline_one_query_express = oneQuery;
  results.get_run = getRun;
  results.get_run_304 = getRun304;

  // GET run while the worker threads execute runs: enough queued to outlast the window.
  const busyRuns = await Promise.all(
    Array.from({ length: Math.max(6, CONCURRENCY * 4) }, (_, i) => submit(local.api, `busy-${i}`)),
  );
  await new Promise((r) => setTimeout(r, 500));
  const during = await load({ url: runUrl, expect: 200 });
  const stillRunning = (await Promise.all(busyRuns.map((id) => runStatus(local.api, id)))).filter(
    (r) => !r.lead_ready_at,
  ).length;
  results.get_run_during_pipeline = {
    ...during,
    runs_unfinished_at_end: stillRunning,
    runs_submitted: busyRuns.length,
  };
  await Promise.all(busyRuns.map((id) => leadReady(local.api, id)));
  await supervisor.stop(local.p);
}

/** Phase B: the API alone; intakes queue up and nothing runs them. */
async function phaseB(results: Record<string, unknown>) {
  const production = Boolean(process.env.REDIS_URL);
  const envB = await freshEnv(production);
  let apiOnly: { p: Supervised; api: string };
  if (production) {
    buildOrchestrator();
    // Production's log level (the images' default), not the bench's "error".
    apiOnly = await startProductionApi({ ...productionEnv(envB), LOG_LEVEL: "info" });
  } else {
    apiOnly = await startTarget(envB, []);
  }
  await submit(apiOnly.api, "warm-up");
  results.post_intake = {
    ...(await load({
      url: `${apiOnly.api}/v1/intake`,
      method: "POST",
      intakes: true,
      expect: 202,
    })),
    layout: production
      ? "production's: dist/server.js, NODE_ENV=production, LOG_LEVEL=info, limits and queue on Redis"
      : "the API under tsx, limits on Postgres, in-process queue (no REDIS_URL)",
  };
  await supervisor.stop(apiOnly.p);
}

/** Phase L: the portal's LCP, in a process of its own with its own results file. */
async function phaseL() {
  const lcp = supervisor.start("portal LCP", process.execPath, tsx("services/frontend/bench/lcp.ts"), {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await lcp.exited;
  if (code !== 0) throw new Error(`the LCP bench exited with ${code}`);
}

/** Phase C: throughput and memory with the portal under load. */
async function phaseC(results: Record<string, unknown>) {
  const split = Boolean(process.env.REDIS_URL);
  const envC = await freshEnv(split);
  const processes: Record<string, Supervised> = {};
  let api: string;
  let portal: string;
  if (split) {
    // Production's layout and code: the images' entry points from the Dockerfile's bundle.
    buildOrchestrator();
    const env = productionEnv(envC);
    const started = await startProductionApi(env);
    processes.api = started.p;
    api = started.api;
    const metricsPort = await freePort();
    processes.worker = supervisor.start(
      "worker",
      process.execPath,
      [path.join(ORCHESTRATOR_DIST, "worker.js")],
      {
        env: { ...env, WORKER_METRICS_PORT: String(metricsPort) },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    await waitForHttp(`http://127.0.0.1:${metricsPort}/health`);
    console.error("bench: building the portal when its sources changed");
    await ensureBuilt();
    const portalPort = await freePort();
    portal = `http://127.0.0.1:${portalPort}`;
    processes.portal = supervisor.start("portal", process.execPath, [PORTAL_SERVER], {
      cwd: path.dirname(PORTAL_SERVER),
      env: {
        ...env,
        HOST: "127.0.0.1",
        PORT: String(portalPort),
        ORIGIN: portal,
        AGENCY_API_URL: api,
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitForHttp(`${portal}/`);
  } else {
    const target = await startTarget(envC, ["--worker"]);
    processes["api+worker"] = target.p;
    api = target.api;
    console.error("bench: starting the portal (builds it first when its sources changed)");
    const portalProcess = supervisor.start(
      "portal",
      process.execPath,
      tsx("scripts/bench-target.ts", ["--portal"]),
      {
        env: { ...envC, API_URL: api },
      },
    );
    processes.portal = portalProcess;
    portal = (await supervisor.ready<{ portal: string }>(portalProcess)).portal;
  }
  await submit(api, "warm-up");

  const { value: throughput, rss } = await peakRss(processes, async () => {
    const started = Date.now();
    const ids = await Promise.all(Array.from({ length: BATCH }, (_, i) => submit(api, `batch-${i}`)));
    // Meanwhile the portal's intake page and the API's run status take load too.
    const [portalLoad, apiLoad] = await Promise.all([
      load({ url: `${portal}/`, expect: 200, connections: 4 }),
      load({ url: `${api}/v1/runs/${ids[0]}`, expect: 200, connections: 4 }),
    ]);
    const runs = await Promise.all(ids.map((id) => leadReady(api, id)));
    const last = Math.max(...runs.map((r) => Date.parse(r.lead_ready_at!)));
    const minutes = (last - started) / 60_000;
    return { portalLoad, apiLoad, minutes };
  });
  results.throughput = {
    projects: BATCH,
    minutes: round(throughput.minutes, 3),
    projects_per_minute: round(BATCH / throughput.minutes, 1),
    layout: split
      ? "production's: API (dist/server.js), worker (dist/worker.js) and portal (server.js) as separate processes, built as the images build them, shared Redis queue"
      : "npm start's: API and worker in one process (tsx), portal beside it",
    portal_under_load: throughput.portalLoad,
    api_under_load: throughput.apiLoad,
  };
  results.rss_mib = { ...rss, app_tier_total: Object.values(rss).reduce((s, v) => s + v, 0) };
  for (const p of Object.values(processes)) await supervisor.stop(p);
}

/** Ratios and targets met, from whichever phases ran. */
function summarise(results: Record<string, unknown>) {
  const bare = results.baseline_bare_express as LoadResult | undefined;
  const oneQuery = results.baseline_one_query_express as LoadResult | undefined;
  const get = results.get_run as LoadResult | undefined;
  const getRun304 = results.get_run_304 as LoadResult | undefined;
  const during = results.get_run_during_pipeline as LoadResult | undefined;
  const tput = results.throughput as { projects_per_minute: number } | undefined;
  const intakeLoad = results.post_intake as LoadResult | undefined;
  const tier = (results.rss_mib as { app_tier_total: number } | undefined)?.app_tier_total;
  const ratios: Record<string, number> = {};
  const met: Record<string, boolean> = {};
  if (bare && oneQuery && get && getRun304 && during) {
    ratios.get_run_vs_bare_rps = round(get.rps / bare.rps);
    ratios.get_run_vs_one_query_rps = round(get.rps / oneQuery.rps);
    ratios.get_run_304_vs_one_query_rps = round(getRun304.rps / oneQuery.rps);
    ratios.get_run_during_pipeline_vs_idle_p95 = round(during.latency_ms.p95 / get.latency_ms.p95);
    met.get_run_vs_one_query_rps = ratios.get_run_vs_one_query_rps >= TARGETS.get_run_vs_one_query_rps;
    met.get_run_p95_ms = get.latency_ms.p95 <= TARGETS.get_run_p95_ms;
    met.get_run_304 = getRun304.errors === 0 && getRun304.requests > 0;
    met.get_run_during_pipeline_vs_idle_p95 =
      ratios.get_run_during_pipeline_vs_idle_p95 <= TARGETS.get_run_during_pipeline_vs_idle_p95;
  }
  if (intakeLoad) {
    met.intake_p95_ms =
      intakeLoad.errors === 0 &&
      intakeLoad.requests > 0 &&
      intakeLoad.latency_ms.p95 <= TARGETS.intake_p95_ms;
  }
  if (tput && tier !== undefined) {
    met.projects_per_minute = tput.projects_per_minute >= TARGETS.projects_per_minute;
    met.app_tier_rss_mib = tier <= TARGETS.app_tier_rss_mib;
  }
  results.ratios = ratios;
  results.met = met;
  (results.machine as Record<string, unknown>).load_average_at_end = loadavg().map((l) => round(l));
}

function printTable(r: Record<string, unknown>) {
  const row = (name: string, l: LoadResult | undefined) =>
    l === undefined
      ? `${name.padEnd(34)} (phase not run)`
      : `${name.padEnd(34)} ${String(l.rps).padStart(7)} ${String(l.latency_ms.p50).padStart(8)} ${String(
          l.latency_ms.p95,
        ).padStart(8)} ${String(l.latency_ms.p99).padStart(8)} ${String(l.errors).padStart(6)}`;
  const lines = [
    `${"".padEnd(34)} ${"req/s".padStart(7)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"errors".padStart(6)}`,
    row("bare Express route", r.baseline_bare_express as LoadResult | undefined),
    row("Express + one indexed read", r.baseline_one_query_express as LoadResult | undefined),
    row("GET /v1/runs/{id}", r.get_run as LoadResult | undefined),
    row("GET /v1/runs/{id} (304)", r.get_run_304 as LoadResult | undefined),
    row("GET /v1/runs/{id} during runs", r.get_run_during_pipeline as LoadResult | undefined),
    row("POST /v1/intake (API alone)", r.post_intake as LoadResult | undefined),
    "",
    `ratios   ${JSON.stringify(r.ratios)}`,
    `pipeline ${JSON.stringify(r.throughput, ["projects", "minutes", "projects_per_minute"])}`,
    `lead_ready ${JSON.stringify(r.intake_to_lead_ready_s)}`,
    `rss MiB  ${JSON.stringify(r.rss_mib)}`,
    `met      ${JSON.stringify(r.met)}`,
    `load avg ${JSON.stringify(r.machine)}`,
  ];
  console.log(lines.join("\n"));
}

try {
  await main();
} finally {
  await supervisor.shutdown();
}
// Keep-alive sockets may linger; the figures are written, so end here.
process.exit(0);
