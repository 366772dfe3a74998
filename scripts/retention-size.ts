/**
 * Database size per 1,000 runs, before and after the retention round (business-logic/retention.ts).
 * A measurement, not a test: it asserts nothing. It runs N real runs through a real agency (the
 * real pipeline with the offline drafts, the explainer video unless --video off), each with what
 * a real intake leaves behind (an Idempotency-Key, a sign-in link, a signed webhook, an operator
 * sign-in), measures every table after VACUUM FULL, prunes as if 8 and then 40 days had passed
 * (the default windows), measures after each, and scales the growth over the empty database to
 * 1,000 runs.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres [REDIS_URL=...] \
 *     npx tsx scripts/retention-size.ts [--runs 20] [--video off]
 *
 * Writes bench-results/retention-size.json.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../services/orchestrator/src/config.ts";
import { buildDeps, startApi, startWorker } from "../services/orchestrator/src/entry-points/agency.ts";
import { runRetention } from "../services/orchestrator/src/business-logic/retention.ts";
import { keysOf } from "../services/orchestrator/src/business-logic/keys.ts";
import { signedHeaders } from "../services/orchestrator/src/business-logic/signing.ts";
import { createLogger } from "../services/orchestrator/src/observability/logger.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const RUNS = Number(arg("runs", "20"));
if (arg("video", "on") === "off") process.env.AGENCY_EXPLAINER_VIDEO = "off";
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl)
  throw new Error("Set DATABASE_URL to a Postgres server; a database of its own is created and dropped.");

const name = `retention_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${name}`;
const dataDir = mkdtempSync(path.join(tmpdir(), "retention-size-"));

const config = loadConfig({
  DATABASE_URL: dbUrl.toString(),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
  RUN_QUEUE_NAME: `retention-${randomBytes(4).toString("hex")}`,
  AGENCY_DATA_DIR: dataDir,
  API_PORT: "0",
  CAMPAIGN_DELAYS: "0,0,0",
  AGENCY_REVIEW_GATES: "none",
  AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "10000",
  AGENCY_INTAKES_PER_DAY: "1000000",
});
const deps = await buildDeps(config, "agency", createLogger("silent", "retention-size"));
const api = await startApi(deps);
const worker = await startWorker(deps);
const call = (p: string, init: RequestInit & { json?: unknown; admin?: boolean } = {}) =>
  fetch(`${api.url}${p}`, {
    ...init,
    headers: {
      ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
      ...(init.admin ? { authorization: `Bearer ${config.adminToken}` } : {}),
      ...(init.headers as Record<string, string>),
    },
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });

async function sizes(): Promise<Record<string, number>> {
  await deps.pool.query("VACUUM FULL");
  const { rows } = await deps.pool.query<{ table: string; bytes: string }>(
    `SELECT n.nspname || '.' || c.relname AS table, pg_total_relation_size(c.oid) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname IN ('public', 'langgraph')`,
  );
  const out: Record<string, number> = {
    database: Number((await deps.pool.query("SELECT pg_database_size(current_database()) AS b")).rows[0].b),
  };
  for (const r of rows) out[r.table] = Number(r.bytes);
  return out;
}

const empty = await sizes();
const started = Date.now();
const runIds: string[] = [];
for (let i = 0; i < RUNS; i++) {
  const email = `lead${i}@example.com`;
  const intake = {
    email,
    name: "Ada Lovelace",
    company: "Analytical Engines",
    sector: "saas",
    idea: "A scheduling assistant for small clinics that fills cancelled slots from a waitlist, by text message.",
  };
  const res = await call("/v1/intake", {
    method: "POST",
    json: intake,
    headers: { "idempotency-key": `size-${i}` },
  });
  runIds.push(((await res.json()) as { run_id: string }).run_id);
  await call("/v1/portal/magic-links", { method: "POST", admin: true, json: { email } });
  const body = JSON.stringify({ run: i });
  await call("/v1/webhooks/agent/step.finished", {
    method: "POST",
    headers: signedHeaders(keysOf(config).signing("agent-webhook"), body),
    body,
  });
  const address = `198.51.100.${i % 250}`;
  await call("/v1/portal/operator-sign-ins", {
    method: "POST",
    admin: true,
    json: { name: "admin", address },
  });
  const session = (await (
    await call("/v1/portal/operator-sessions", {
      method: "POST",
      admin: true,
      json: { operator: "admin", address },
    })
  ).json()) as { id: string };
  await call(`/v1/portal/operator-sessions/${session.id}`, { method: "DELETE", admin: true });
}
for (;;) {
  const { rows } = await deps.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM workflow_runs WHERE status NOT IN ('completed', 'failed', 'budget_exceeded')",
  );
  if (Number(rows[0]!.n) === 0) break;
  await new Promise((r) => setTimeout(r, 500));
}
const seconds = (Date.now() - started) / 1000;
const before = await sizes();
const DAY = 86_400_000;
// A week on: completed runs keep their last checkpoint; 40 days on, every window has passed.
const prunedAtWeek = await runRetention(deps, new Date(Date.now() + 8 * DAY));
const week = await sizes();
const prunedAt40Days = await runRetention(deps, new Date(Date.now() + 40 * DAY));
const after = await sizes();

const per1000 = (s: Record<string, number>, key: string) =>
  Math.round((((s[key] ?? 0) - (empty[key] ?? 0)) / RUNS) * 1000);
const keys = Object.keys(before).filter((k) => k === "database" || before[k]! - (empty[k] ?? 0) > 8192);
const report = {
  runs: RUNS,
  video: process.env.AGENCY_EXPLAINER_VIDEO !== "off",
  seconds_to_complete: Math.round(seconds),
  completed: Number(
    (await deps.pool.query("SELECT count(*) FROM workflow_runs WHERE status = 'completed'")).rows[0].count,
  ),
  pruned: { after_8_days: prunedAtWeek, after_40_days: prunedAt40Days },
  bytes_per_1000_runs: Object.fromEntries(
    keys
      .sort((a, b) => per1000(before, b) - per1000(before, a))
      .map((k) => [
        k,
        { before: per1000(before, k), after_8_days: per1000(week, k), after_40_days: per1000(after, k) },
      ]),
  ),
};
mkdirSync("bench-results", { recursive: true });
writeFileSync("bench-results/retention-size.json", JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));

await worker.stop();
await api.stop();
await deps.close();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
rmSync(dataDir, { recursive: true, force: true });
