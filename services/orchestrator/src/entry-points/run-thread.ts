/**
 * A run thread (see run-threads.ts): builds what executing a run needs once, then runs each run
 * the parent sends (several at a time, as many as the parent allows), until it is told to stop.
 */
import { parentPort, workerData } from "node:worker_threads";
import { draftingModelFromEnv } from "@roboagency/agents";
import type { RunDeps } from "../business-logic/deps.ts";
import { executeRun } from "../business-logic/runs.ts";
import { durablePipeline } from "../data-access/checkpointer.ts";
import { openDatabase } from "../data-access/database.ts";
import { createLogger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { lowerThreadPriority } from "./run-priority.ts";
import { storageAdapters } from "./storage-adapters.ts";
import {
  RUN_THREAD_APPLICATION_NAME,
  type FromThread,
  type RunThreadData,
  type ToThread,
} from "./run-threads.ts";

const port = parentPort!;
const data = workerData as RunThreadData;
const post = (msg: FromThread) => port.postMessage(msg);

/** The thread's metrics forward every change to the parent's registry. */
function relayedMetrics(): Metrics {
  const metrics = createMetrics("worker");
  for (const [name, metric] of Object.entries(metrics)) {
    if (name === "registry") continue;
    for (const method of ["inc", "dec", "set", "observe"]) {
      if (typeof (metric as Record<string, unknown>)[method] !== "function") continue;
      (metric as Record<string, unknown>)[method] = (...args: unknown[]) =>
        post({ type: "metric", name, method, args });
    }
  }
  return metrics;
}

const config = { ...data.config, databaseUrl: data.databaseUrl };
const logger = createLogger(data.logLevel, "worker");
// First, so loading the pipeline below already yields the cores to the API's event loop.
const tid = config.runNice > 0 ? lowerThreadPriority(config.runNice) : undefined;
// A run holds one connection for its lock and uses a few for its writes and the checkpointer;
// the thread runs the worker's concurrent runs. Named, so pg_stat_activity tells the runs' connections from the API's.
const url = new URL(data.databaseUrl);
url.searchParams.set("application_name", RUN_THREAD_APPLICATION_NAME);
const database = await openDatabase({
  url: url.toString(),
  max: 2 + 2 * Math.max(1, config.workerConcurrency),
});
const { pipeline } = await durablePipeline(database.pool);
const draftingModel = draftingModelFromEnv(data.env);
const deps: RunDeps = {
  config,
  pool: database.pool,
  databaseUrl: data.databaseUrl,
  ...(await storageAdapters(config, database.pool, data.env)),
  logger,
  metrics: relayedMetrics(),
  pipeline: async () => pipeline,
  draftingModel: async () => draftingModel,
};

port.on("message", (msg: ToThread) => {
  if (msg.type === "stop") {
    void database.close().finally(() => port.close());
    return;
  }
  executeRun(deps, msg.runId, msg.finalAttempt).then(
    () => post({ type: "done", id: msg.id }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ type: "failed", id: msg.id, error: { name: e.name, message: e.message, stack: e.stack } });
    },
  );
});
post({ type: "ready", tid });
