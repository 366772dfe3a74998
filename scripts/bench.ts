/**
 * `npm run bench`: latency under concurrent load and time to lead_ready, written to
 * bench-results/bench.json. A benchmark, not a test: it asserts nothing, it measures.
 *
 * The agency runs in a child process so the load generator does not share its event loop.
 * Postgres and Redis come from DATABASE_URL / REDIS_URL (a fresh database and queue of their
 * own), or from the embedded defaults in a temporary data folder.
 *
 * Options: --duration <s> (default 10), --connections <n> (default 16), --runs <n> (default 5).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION_S = arg("duration", 10);
const CONNECTIONS = arg("connections", 16);
const RUNS = arg("runs", 5);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS * 2 });

function request(
  url: string,
  method: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, i)]! * 100) / 100;
}

interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  latency_ms: { p50: number; p95: number; p99: number; max: number };
}

/** `CONNECTIONS` loops issue requests back to back for the duration; latencies in ms. */
async function load(
  make: () => { url: string; method: string; body?: string; headers?: Record<string, string> },
  expect: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + DURATION_S * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const r = make();
      const started = performance.now();
      try {
        const res = await request(r.url, r.method, r.body, r.headers);
        if (res.status !== expect) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / seconds),
    latency_ms: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: percentile(latencies, 100),
    },
  };
}

async function startTarget(
  env: NodeJS.ProcessEnv,
  worker: boolean,
): Promise<{ child: ChildProcess; api: string; bare: string }> {
  const child = spawn(
    "npx",
    ["tsx", path.join(root, "scripts/bench-target.ts"), ...(worker ? ["--worker"] : [])],
    {
      env,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (line.startsWith("{")) return { child, ...(JSON.parse(line) as { api: string; bare: string }) };
  }
  throw new Error("the bench target exited before it was ready");
}

async function stopTarget(child: ChildProcess) {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

const intake = (i: number) =>
  JSON.stringify({
    email: `bench-${i}@example.com`,
    sector: "saas",
    idea: "A scheduling assistant for small clinics that fills cancelled appointment slots from a waitlist.",
    goals: "Fewer no-shows",
    budget: "$20k",
    timeline: "8 weeks",
  });

/**
 * A fresh agency environment: its own data folder, database and queue, so the thousands of
 * intakes of the load phase never sit in front of the lead_ready phase's runs.
 */
async function freshEnv(): Promise<{ env: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "agency-bench-"));
  // As root, embedded Postgres runs as the postgres user, who must reach the folder.
  chmodSync(dataDir, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AGENCY_DATA_DIR: dataDir,
    API_PORT: "0",
    LOG_LEVEL: "error",
    CAMPAIGN_DELAYS: "0,0,0",
    RUN_QUEUE_NAME: `bench-${randomBytes(4).toString("hex")}`,
    // The machine's own speed: no operator in the loop, no ceiling on intakes.
    AGENCY_REVIEW_GATES: "none",
    AGENCY_INTAKES_PER_DAY: "1000000",
    AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "10000",
    AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "0",
  };
  let dropDatabase: (() => Promise<void>) | undefined;
  if (process.env.DATABASE_URL) {
    const name = `bench_${Date.now()}_${randomBytes(3).toString("hex")}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  } else {
    env.AGENCY_PG_PORT = String(55000 + Math.floor(Math.random() * 5000));
  }
  return {
    env,
    cleanup: async () => {
      await dropDatabase?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function main() {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
    setup: {
      database: process.env.DATABASE_URL ? "Postgres at DATABASE_URL" : "embedded Postgres",
      queue: process.env.REDIS_URL ? "BullMQ on Redis at REDIS_URL" : "in-process queue",
      duration_s: DURATION_S,
      connections: CONNECTIONS,
      target_p95_ms: 200,
    },
  };

  // Phase 1: the API alone, as in production where the worker is its own container.
  const load1 = await freshEnv();
  const api = await startTarget(load1.env, false);
  try {
    const seed = JSON.parse(
      (await request(`${api.api}/v1/intake`, "POST", intake(0), { "content-type": "application/json" })).body,
    );
    let n = 1;
    results.bare_express = await load(() => ({ url: api.bare, method: "GET" }), 200);
    results.post_intake = await load(
      () => ({
        url: `${api.api}/v1/intake`,
        method: "POST",
        body: intake(n++),
        headers: { "content-type": "application/json" },
      }),
      202,
    );
    results.get_run = await load(() => ({ url: `${api.api}/v1/runs/${seed.run_id}`, method: "GET" }), 200);
  } finally {
    await stopTarget(api.child);
  }

  await load1.cleanup();

  // Phase 2: API and worker; intakes one after another, time from intake to lead_ready.
  const load2 = await freshEnv();
  const full = await startTarget(load2.env, true);
  try {
    const seconds: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const accepted = JSON.parse(
        (
          await request(`${full.api}/v1/intake`, "POST", intake(100_000 + i), {
            "content-type": "application/json",
          })
        ).body,
      );
      for (;;) {
        const run = JSON.parse((await request(`${full.api}/v1/runs/${accepted.run_id}`, "GET")).body);
        if (run.status === "failed") throw new Error(`bench run failed: ${run.error}`);
        if (run.lead_ready_at) {
          seconds.push((Date.parse(run.lead_ready_at) - Date.parse(run.created_at)) / 1000);
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    seconds.sort((a, b) => a - b);
    results.intake_to_lead_ready_s = {
      runs: seconds.length,
      p50: percentile(seconds, 50),
      max: percentile(seconds, 100),
      note: "offline drafting model; queue wait in this figure is near zero (runs one after another)",
    };
  } finally {
    await stopTarget(full.child);
  }

  await load2.cleanup();
  mkdirSync(path.join(root, "bench-results"), { recursive: true });
  const out = path.join(root, "bench-results", "bench.json");
  writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(JSON.stringify(results, null, 2));
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
  agent.destroy();
}

await main();
// Keep-alive sockets and child pipes may linger; the figures are written, so end here.
process.exit(0);
