/**
 * A real agency for component tests: API and worker over real HTTP on a free port, a fresh
 * database on the real Postgres, BullMQ on the real Redis (a queue of its own), local assets
 * and the Postgres outbox. Nothing in it is faked.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import {
  buildDeps,
  createLogger,
  loadConfig,
  startApi,
  startWorker,
  type Agency,
} from "@roboagency/orchestrator";
import { INTAKE_EXAMPLE } from "@roboagency/contracts";
import { createTestDatabase, redisUrl } from "./database.ts";
import { freePort } from "./ports.ts";

/** Test code reads answers loosely; the assertions are the type checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TestResponse = Omit<Response, "json"> & { json(): Promise<any> };

export interface TestAgency {
  url: string;
  agency: Agency;
  adminToken: string;
  /** What the portal presents: reaches the portal routes only. */
  portalToken: string;
  /** fetch against the API; JSON bodies are encoded for you. */
  api(pathname: string, init?: RequestInit & { json?: unknown; admin?: boolean }): Promise<TestResponse>;
  stop(): Promise<void>;
}

export async function startTestAgency(
  env: Record<string, string> = {},
  opts: { worker?: boolean; queue?: "redis" | "memory"; video?: boolean } = {},
): Promise<TestAgency> {
  // The explainer MP4 takes seconds of ffmpeg per run; only the tests about it pay for it.
  const videoBefore = process.env.AGENCY_EXPLAINER_VIDEO;
  if (!opts.video) process.env.AGENCY_EXPLAINER_VIDEO = "off";
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), "agency-test-"));
  const port = await freePort();
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...(opts.queue === "memory" ? {} : { REDIS_URL: redisUrl() }),
    RUN_QUEUE_NAME: `test-${randomBytes(6).toString("hex")}`,
    AGENCY_DATA_DIR: dataDir,
    API_PORT: String(port),
    CAMPAIGN_DELAYS: "0,0,0",
    // Runs go through unattended unless a test turns review gates on (the deployment default).
    AGENCY_REVIEW_GATES: "none",
    // Tests submit many intakes from one address; the limits have their own test.
    AGENCY_INTAKES_PER_EMAIL_PER_HOUR: "10000",
    // Runs on the test's own event loop, so a test can swap the agency's drafting model (an object
    // that cannot cross into a worker thread); the threads have tests of their own.
    AGENCY_RUN_ISOLATION: "inline",
    AGENCY_INTAKES_PER_CLIENT_PER_HOUR: "0",
    ...env,
  });
  const agency = await buildDeps(
    config,
    "agency",
    createLogger(process.env.TEST_LOG_LEVEL ?? "silent", "test"),
  );
  const server = await startApi(agency);
  const worker = opts.worker === false ? undefined : await startWorker(agency);
  return {
    url: server.url,
    agency,
    adminToken: config.adminToken,
    portalToken: config.portalToken,
    api: (pathname, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      if (init.admin) headers.set("authorization", `Bearer ${config.adminToken}`);
      return fetch(`${server.url}${pathname}`, {
        ...init,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
      });
    },
    stop: async () => {
      if (videoBefore === undefined) delete process.env.AGENCY_EXPLAINER_VIDEO;
      else process.env.AGENCY_EXPLAINER_VIDEO = videoBefore;
      await server.stop();
      await worker?.stop();
      await agency.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value, or fails with what it last saw. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A valid intake; override what a test is about. */
export function anIntake(overrides: Record<string, unknown> = {}) {
  return { ...INTAKE_EXAMPLE, ...overrides };
}
