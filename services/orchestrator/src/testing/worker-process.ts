/**
 * What the tests of bin/worker.ts share: the real worker in a process of its own, its log lines
 * collected, and the API in the test's process on the same database and queue.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "@roboagency/testing/ports";
import { loadConfig } from "../config.ts";
import { buildDeps, startApi, type Agency, type RunningServer } from "../entry-points/agency.ts";
import { createLogger } from "../observability/logger.ts";

const ROOT = path.resolve(import.meta.dirname, "../../../..");
const WORKER = path.resolve(import.meta.dirname, "../bin/worker.ts");

export interface WorkerProcess {
  child: ChildProcess;
  /** Every line it has written to stdout or stderr so far (JSON log lines). */
  lines: string[];
  exited: Promise<number | null>;
}

/** Starts bin/worker.ts with `env` (and a free metrics port); does not wait for it to be ready. */
export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  // One process (node with tsx's loader), not the tsx CLI, which runs the worker in a child that a
  // SIGKILL of the CLI would leave running.
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...env,
      WORKER_METRICS_PORT: String(await freePort()),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      const parts = (rest + chunk.toString("utf8")).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

/** SIGTERM to a worker still running, then waits for it to exit. */
export async function stopWorkerProcess(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGTERM");
  await worker.exited;
}

/** The API alone, in this process, on the database and queue that `env` names. */
export async function startApiFor(
  env: Record<string, string>,
): Promise<{ agency: Agency; api: RunningServer }> {
  const config = loadConfig({ ...env, API_PORT: String(await freePort()) });
  const agency = await buildDeps(
    config,
    "orchestrator",
    createLogger(process.env.TEST_LOG_LEVEL ?? "silent", "test"),
  );
  return { agency, api: await startApi(agency) };
}
