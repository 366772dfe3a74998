/**
 * Where runs execute. A pipeline step can hold the CPU for a while (the Svelte compiler and the
 * bundler of the prototyper), so by default runs execute in one long-lived worker thread: the
 * event loop that serves the API (locally) or renews the queue's locks (in production) never
 * waits for a step. The thread runs the worker's concurrent runs side by side (their CPU-bound
 * steps take turns, their I/O overlaps) and loads the agents once: a thread per run cost about
 * 110 MiB each. A thread builds its own connections, pipeline and stores; its metrics are relayed
 * here, so /metrics shows them.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { Deps, RunDeps } from "../business-logic/deps.ts";
import { executeRun } from "../business-logic/runs.ts";
import { captureError } from "../observability/sentry.ts";
import type { Metrics } from "../observability/metrics.ts";

/**
 * The run thread's young generation. V8's default (two 16 MiB semi-spaces, 32 MiB resident once a
 * run has allocated through them) is sized for a server's throughput; a run allocates in bursts
 * (a Svelte compile, a LangGraph step) and keeps little, so a smaller one costs a few more short
 * scavenges and saves resident memory in every worker. Where NODE_OPTIONS sets
 * `--max-semi-space-size` (the images do, stack/containerSpec.ts IMAGE_MEMORY_ENV) V8's flag wins
 * over this limit and the thread has the process's semi-spaces; this one serves `npm start`.
 */
export const RUN_THREAD_YOUNG_GENERATION_MB = 12;

/** The application_name of a run thread's database connections. */
export const RUN_THREAD_APPLICATION_NAME = "agency-run-thread";

export interface RunExecutor {
  execute(runId: string, finalAttempt: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** What a run thread is started with (structured-cloned into it). */
export interface RunThreadData {
  config: Deps["config"];
  databaseUrl: string;
  /** The parent logger's level, so a silenced parent has silent threads too. */
  logLevel: string;
  /** The environment the drafting model is chosen from. */
  env: Record<string, string | undefined>;
  /** The thread's entry module when it must be loaded through tsx (sources, not the bundle). */
  entry?: string;
}

export type ToThread = { type: "run"; id: number; runId: string; finalAttempt: boolean } | { type: "stop" };
export type FromThread =
  /** tid: the thread's kernel id when it lowered its priority (AGENCY_RUN_NICE). */
  | { type: "ready"; tid?: number }
  | { type: "done"; id: number }
  | { type: "failed"; id: number; error: { name: string; message: string; stack?: string } }
  | { type: "metric"; name: string; method: string; args: unknown[] };

/** Runs on this event loop (AGENCY_RUN_ISOLATION=inline). */
export function inlineRunExecutor(deps: RunDeps): RunExecutor {
  return { execute: (runId, finalAttempt) => executeRun(deps, runId, finalAttempt), stop: async () => {} };
}

/**
 * From the sources (tsx, vitest) the thread boots through a small .mjs that registers tsx; in the
 * bundle (the image's dist/) it is run-thread.js beside this code.
 */
function threadModule(): { url: URL; entry?: string } {
  const source = new URL("./run-thread.ts", import.meta.url);
  if (existsSync(source))
    return { url: new URL("./run-thread-boot.mjs", import.meta.url), entry: source.href };
  return { url: new URL("./run-thread.js", import.meta.url) };
}

const METHODS = new Set(["inc", "dec", "set", "observe"]);

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Runs in this thread, by message id; a place is taken (id 0 → reserved) before it is ready. */
  running: Map<number, { resolve: () => void; reject: (err: Error) => void }>;
  reserved: number;
}

/**
 * One long-lived thread (the pipeline and the agents are loaded once, not once per run) running
 * up to `capacity` runs at a time; more calls wait for a free place. A thread that dies is
 * replaced, and the runs it held fail (the queue retries them).
 */
export function startRunThreads(deps: Deps, capacity: number, threads = 1): RunExecutor {
  const { logger } = deps;
  const module = threadModule();
  const data: RunThreadData = {
    config: deps.config,
    databaseUrl: deps.databaseUrl,
    logLevel: deps.logger.level,
    env: { ...process.env },
    entry: module.entry,
  };
  const perThread = Math.max(1, Math.ceil(capacity / threads));
  const slots = new Set<Slot>();
  const waiting: Array<() => void> = [];
  let nextId = 1;
  let stopping = false;

  const spawn = (): Slot => {
    const worker = new Worker(module.url, {
      workerData: data,
      name: "agency-run",
      resourceLimits: { maxYoungGenerationSizeMb: RUN_THREAD_YOUNG_GENERATION_MB },
    });
    let readyResolve!: () => void;
    let readyReject!: (err: Error) => void;
    const slot: Slot = {
      worker,
      ready: new Promise<void>((resolve, reject) => {
        readyResolve = resolve;
        readyReject = reject;
      }),
      running: new Map(),
      reserved: 0,
    };
    worker.on("message", (msg: FromThread) => {
      if (msg.type === "ready") readyResolve();
      else if (msg.type === "metric") {
        const metric = deps.metrics[msg.name as Exclude<keyof Metrics, "registry">];
        if (metric && msg.name !== "registry" && METHODS.has(msg.method)) {
          (metric as unknown as Record<string, (...a: unknown[]) => void>)[msg.method]!(...msg.args);
        }
      } else {
        const run = slot.running.get(msg.id);
        if (!run) return;
        slot.running.delete(msg.id);
        if (msg.type === "done") run.resolve();
        else {
          const err = Object.assign(new Error(msg.error.message), {
            name: msg.error.name,
            stack: msg.error.stack,
          });
          run.reject(err);
        }
        waiting.shift()?.();
      }
    });
    worker.on("error", (err) => {
      logger.error({ err }, "a run thread failed");
      readyReject(err);
    });
    worker.on("exit", (code) => {
      slots.delete(slot);
      readyReject(new Error(`the run thread exited (${code}) before it was ready`));
      for (const run of slot.running.values())
        run.reject(new Error(`the run thread exited (${code}) during the run`));
      slot.running.clear();
      if (!stopping) {
        // A thread that died is replaced (after a pause, in case it dies on start), so the worker
        // keeps its concurrency.
        logger.warn({ code }, "run thread exited; starting another");
        setTimeout(() => {
          if (stopping) return;
          spawn();
          for (const wake of waiting.splice(0)) wake();
        }, 1000).unref();
      }
    });
    // A thread loads the whole pipeline, which takes seconds on a busy machine; the worker takes
    // jobs meanwhile and a run waits for its thread (the queue's lock is renewed all along).
    slot.ready.catch(() => undefined);
    slots.add(slot);
    return slot;
  };

  for (let i = 0; i < Math.max(1, threads); i++) spawn();

  const freeSlot = async (): Promise<Slot> => {
    for (;;) {
      if (stopping) throw new Error("the worker is stopping; the run was not started");
      for (const slot of slots) {
        if (slot.running.size + slot.reserved >= perThread) continue;
        // Reserved at once: a second caller must not take the same place while this one waits.
        slot.reserved++;
        try {
          await slot.ready;
        } finally {
          slot.reserved--;
        }
        if (!slots.has(slot)) throw new Error("the run thread exited before the run started");
        return slot;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  return {
    execute: async (runId, finalAttempt) => {
      const slot = await freeSlot();
      const id = nextId++;
      try {
        await new Promise<void>((resolve, reject) => {
          slot.running.set(id, { resolve, reject });
          slot.worker.postMessage({ type: "run", id, runId, finalAttempt } satisfies ToThread);
        });
      } catch (err) {
        // The thread reports what executeRun threw; Sentry lives in this process.
        captureError(err, { runId, finalAttempt });
        throw err;
      }
    },
    stop: async () => {
      stopping = true;
      for (const wake of waiting.splice(0)) wake();
      await Promise.all(
        [...slots].map(async (slot) => {
          const exited = new Promise((resolve) => slot.worker.once("exit", resolve));
          slot.worker.postMessage({ type: "stop" } satisfies ToThread);
          // A thread that does not finish closing in time is ended.
          const timer = setTimeout(() => void slot.worker.terminate(), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
