/**
 * Largest Contentful Paint of the portal's main pages, measured in Debian's headless Chromium
 * against the built portal and a real agency, written to bench-results/portal-lcp.json.
 * A benchmark, not a test: it asserts nothing. The seed asks for LCP under 2 s; we aim under 1 s.
 *
 * Each page is loaded `--runs` times (default 5) in a fresh browser context (cold cache, new
 * connection), with no CPU or network throttling: this machine's own speed, over loopback.
 * Postgres comes from DATABASE_URL (a fresh database of its own, dropped afterwards) or the
 * embedded default in a temporary folder; the queue is in-process.
 *
 *   tsx services/frontend/bench/lcp.ts [--runs 5]
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import type { Browser, BrowserContext } from "playwright-core";
import { launchChromium } from "@roboagency/testing/browser";
import { buildDeps, loadConfig, startApi, startWorker } from "@roboagency/orchestrator";
import { startPortal } from "../start.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

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

async function freshDatabase(): Promise<{ url?: string; drop(): Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { drop: async () => undefined };
  const name = `lcp_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;

/** LCP of one cold load, in ms after navigation start, as the browser reports it. */
async function lcpOf(
  context: BrowserContext,
  url: string,
): Promise<{ lcp: number; ttfb: number; element: string }> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  const result = await page.evaluate(
    () =>
      new Promise<{ lcp: number; ttfb: number; element: string }>((resolve) => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        new PerformanceObserver((list) => {
          const last = list.getEntries().at(-1) as PerformanceEntry & { element?: Element };
          resolve({
            lcp: last.startTime,
            ttfb: nav.responseStart,
            element: last.element?.tagName.toLowerCase() ?? "",
          });
        }).observe({ type: "largest-contentful-paint", buffered: true });
      }),
  );
  await page.close();
  return result;
}

const progress = (what: string) => process.stderr.write(`[lcp] ${what}\n`);

async function main() {
  progress("starting the agency and the portal");
  const db = await freshDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "agency-lcp-"));
  const portalPort = await freePort();
  const config = loadConfig({
    ...(db.url ? { DATABASE_URL: db.url } : {}),
    AGENCY_DATA_DIR: dataDir,
    API_PORT: String(await freePort()),
    PUBLIC_PORTAL_URL: `http://127.0.0.1:${portalPort}`,
    CAMPAIGN_DELAYS: "0,0,0",
    // The project page is measured with a finished run; review gates would park it for a person.
    AGENCY_REVIEW_GATES: "none",
    LOG_LEVEL: "warn",
  });
  const agency = await buildDeps(config, "agency");
  const api = await startApi(agency);
  const worker = await startWorker(agency);
  const portal = await startPortal({
    port: portalPort,
    apiUrl: api.url,
    adminToken: config.adminToken,
    portalToken: config.portalToken,
    secretKey: config.secretKey,
  });
  let browser: Browser | undefined;
  try {
    const admin = { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" };
    const email = "lcp@example.com";
    const intake = await fetch(`${api.url}/v1/intake`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        email,
        sector: "saas",
        idea: "A scheduling assistant for small clinics that fills cancelled slots from a waitlist.",
      }),
    }).then((r) => r.json() as Promise<{ project_id: string; run_id: string }>);
    progress(`waiting for run ${intake.run_id} to complete`);
    for (;;) {
      const run = (await fetch(`${api.url}/v1/runs/${intake.run_id}`).then((r) => r.json())) as {
        status: string;
      };
      if (run.status === "completed") break;
      if (run.status === "failed")
        throw new Error("the run failed; the project page would have no artifacts");
      await new Promise((r) => setTimeout(r, 200));
    }

    progress("measuring");
    browser = await launchChromium();
    // Sessions made once through the real sign-in flows, then reused as cookies by every cold context.
    const setup = await browser.newContext();
    const page = await setup.newPage();
    await fetch(`${api.url}/v1/portal/magic-links`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ email, redirect: `/portal/projects/${intake.project_id}` }),
    });
    const outbox = (await fetch(`${api.url}/v1/outbox?to=${email}`, { headers: admin }).then((r) =>
      r.json(),
    )) as {
      messages: Array<{ subject: string; text: string }>;
    };
    const link = /https?:\/\/\S+\/portal\/auth\?token=[\w-]+/.exec(
      outbox.messages.find((m) => m.subject.includes("sign-in"))!.text,
    )![0];
    await page.goto(link);
    await page.getByRole("button", { name: "Continue to my projects" }).click();
    await page.waitForURL(`**/portal/projects/${intake.project_id}`);
    await page.goto(`${portal.url}/ops/login`);
    await page.getByLabel("Operator name").fill("admin");
    await page.getByLabel("Password").fill(config.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${portal.url}/ops`);
    const cookies = await setup.cookies();
    await setup.close();

    const pages = {
      intake: "/",
      "portal sign-in": "/portal/login",
      "client project (completed run, all artifacts)": `/portal/projects/${intake.project_id}`,
      "ops overview": "/ops",
      "ops runs": "/ops/runs",
    };
    const results: Record<
      string,
      { median_ms: number; max_ms: number; runs_ms: number[]; ttfb_median_ms: number; element: string }
    > = {};
    for (const [name, pathname] of Object.entries(pages)) {
      const samples: number[] = [];
      const ttfb: number[] = [];
      let element = "";
      for (let i = 0; i < RUNS; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await context.addCookies(cookies);
        const r = await lcpOf(context, portal.url + pathname);
        samples.push(round(r.lcp));
        ttfb.push(r.ttfb);
        element = r.element;
        await context.close();
      }
      results[name] = {
        median_ms: round(median(samples)),
        max_ms: Math.max(...samples),
        runs_ms: samples,
        ttfb_median_ms: round(median(ttfb)),
        element,
      };
    }

    const report = {
      measured_at: new Date().toISOString(),
      what: "Largest Contentful Paint per page, cold browser context, headless Chromium, loopback, no throttling",
      target_ms: 2000,
      aim_ms: 1000,
      runs_per_page: RUNS,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, load_average: loadavg() },
      pages: results,
      worst_median_ms: Math.max(...Object.values(results).map((r) => r.median_ms)),
    };
    mkdirSync(path.join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(path.join(ROOT, "bench-results/portal-lcp.json"), JSON.stringify(report, null, 2) + "\n");
    for (const [name, r] of Object.entries(results)) {
      process.stdout.write(
        `${name.padEnd(48)} LCP median ${r.median_ms} ms, max ${r.max_ms} ms, TTFB ${r.ttfb_median_ms} ms (<${r.element}>)\n`,
      );
    }
    process.stdout.write("written to bench-results/portal-lcp.json\n");
  } finally {
    await browser?.close();
    await portal.stop();
    await worker.stop();
    await api.stop();
    await agency.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
