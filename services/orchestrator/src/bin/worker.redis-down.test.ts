/**
 * A worker started while Redis is down: a real worker process (bin/worker.ts under tsx) pointed
 * at a loopback port where nothing listens, then a real redis-server started on that port, a
 * database of its own on the real Postgres and the API in this process. No fakes. The worker must
 * wait and retry with backoff instead of exiting, and pick up work once Redis is there.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anIntake, eventually } from "@roboagency/testing/agency";
import { createTestDatabase, type TestDatabase } from "@roboagency/testing/database";
import { freePort } from "@roboagency/testing/ports";
import { startRedisServer, type RedisServer } from "@roboagency/testing/redis-server";
import type { Agency, RunningServer } from "../entry-points/agency.ts";
import {
  spawnWorker,
  startApiFor,
  stopWorkerProcess,
  type WorkerProcess,
} from "../testing/worker-process.ts";

let db: TestDatabase;
let dataDir: string;
let redisPort: number;
let worker: WorkerProcess | undefined;
let redis: RedisServer | undefined;
let agency: Agency | undefined;
let api: RunningServer | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), "agency-redis-down-"));
  redisPort = await freePort();
});

afterAll(async () => {
  if (worker) await stopWorkerProcess(worker);
  await api?.stop();
  await agency?.close();
  await redis?.stop();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a worker started while Redis is down", () => {
  it("when Redis comes up later on its port, then the worker has waited, retrying, and runs the intake that follows", async () => {
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      RUN_QUEUE_NAME: `redis-down-${randomBytes(6).toString("hex")}`,
      AGENCY_DATA_DIR: dataDir,
      AGENCY_REVIEW_GATES: "none",
      AGENCY_EXPLAINER_VIDEO: "off",
      CAMPAIGN_DELAYS: "0,0,0",
      LOG_LEVEL: "info",
    };
    worker = await spawnWorker(env);
    const { child, lines } = worker;
    const waits = () => lines.filter((l) => l.includes("redis does not answer yet; waiting")).length;

    // Three tries (0.5 s, 1 s, 2 s apart) and still alive: it waits instead of crash-looping.
    await eventually(async () => (waits() >= 3 ? true : undefined), 90_000);
    expect(child.exitCode, lines.slice(-5).join("\n")).toBeNull();
    expect(lines.some((l) => l.includes('"worker started"'))).toBe(false);

    redis = await startRedisServer({ port: redisPort });
    await eventually(
      async () => (lines.some((l) => l.includes('"worker started"')) ? true : undefined),
      60_000,
    );

    ({ agency, api } = await startApiFor(env));
    const res = await fetch(`${api.url}/v1/intake`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(anIntake({ email: "after-redis@example.com" })),
    });
    expect(res.status).toBe(202);
    const { run_id: runId } = (await res.json()) as { run_id: string };
    const status = await eventually(async () => {
      const run = (await (await fetch(`${api!.url}/v1/runs/${runId}`)).json()) as { status: string };
      return run.status === "completed" || run.status === "failed" ? run.status : undefined;
    }, 90_000);
    expect(status).toBe("completed");
    expect(child.exitCode).toBeNull();
  }, 240_000);
});
