/**
 * The composition root: picks each part's adapter from the configuration (production service
 * when configured, embedded default otherwise) and starts the API, the worker, or both.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Config } from "../config.ts";
import { draftingPlanFromEnv } from "@roboagency/agents/light";
import { connectLocalOrRemoteDatabase, migrate, openDatabase } from "../data-access/database.ts";
import { checkRedisMaxmemoryPolicy, createBullQueue, createInProcessQueue } from "../data-access/queue.ts";
import { createRateLimits } from "../data-access/rate-limits.ts";
import { staleQueuedRuns, unfinishedRuns } from "../data-access/runs.ts";
import { startEmailScheduler } from "../business-logic/campaign.ts";
import type { Deps, RunJob } from "../business-logic/deps.ts";
import { startRetention } from "../business-logic/retention.ts";
import { RunEvents } from "../business-logic/run-events.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics } from "../observability/metrics.ts";
import { createApp } from "./http/app.ts";
import { drainable, type DrainOptions } from "./http/drain.ts";
import { storageAdapters } from "./storage-adapters.ts";
import { inlineRunExecutor, startRunThreads } from "./run-threads.ts";

/** Attempts per run: transient failures are retried with exponential backoff. */
export const RUN_ATTEMPTS = 3;

export interface Agency extends Deps {
  /** Which adapters serve, for the start banner and /health readers. */
  adapters: {
    database: string;
    queue: string;
    assets: string;
    mailer: string;
    drafting: string;
    reviewGates: string;
  };
  close(): Promise<void>;
}

export async function buildDeps(
  config: Config,
  service: "orchestrator" | "worker" | "agency",
  logger: Logger = createLogger(config.logLevel, service),
  env: Record<string, string | undefined> = process.env,
): Promise<Agency> {
  // Checked first, so a provider misconfiguration stops the start with the env var to fix. The
  // model itself (a LangChain client) is built where a run needs it.
  const drafting = draftingPlanFromEnv(env);
  const database = await connectLocalOrRemoteDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    // Each run in progress holds a connection for its lock and uses more for its writes and the
    // checkpointer; the API needs its own besides.
    max: 3 * config.workerConcurrency + 10,
  });
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    const { applied, changed } = await migrate(database.pool);
    if (applied.length) logger.info({ applied }, "database migrated");
    if (changed.length) {
      // An applied migration edited afterwards never runs again: its change is not in this database.
      logger.error({ changed }, "migrations were edited after being applied; add a new migration instead");
    }
    // The pipeline (LangGraph, the agents' nodes, the providers) is loaded on first use, in a
    // bundle chunk of its own: production runs execute in the run thread, which loads its own.
    const pool = database.pool;
    const pipeline = lazily(async () => {
      const { durablePipeline } = await import("../data-access/checkpointer.ts");
      return (await durablePipeline(pool)).pipeline;
    });
    const draftingModel = lazily(async () => (await import("@roboagency/agents")).draftingModelFromEnv(env));

    let queue: Deps["queue"];
    if (config.redisUrl) {
      // Redis may not be up yet (a restart, a deploy): the queue reconnects by itself and the
      // worker waits for it (queue.process), so only a policy we could read is judged here.
      const policy = await checkRedisMaxmemoryPolicy(config.redisUrl).catch((err: Error) => {
        logger.warn({ err: err.message }, "redis does not answer yet; its maxmemory-policy is not checked");
        return undefined;
      });
      if (policy?.warning) logger.warn({ policy: policy.policy }, policy.warning);
      queue = createBullQueue<RunJob>({
        name: config.queueName,
        redisUrl: config.redisUrl,
        attempts: RUN_ATTEMPTS,
        lockDurationMs: config.runLockSeconds * 1000,
        logger,
      });
    } else {
      queue = createInProcessQueue<RunJob>({ attempts: RUN_ATTEMPTS, backoffMs: 2000 });
    }
    closers.unshift(() => queue.close());

    const { assets, mailer } = await storageAdapters(config, database.pool, env);
    // With an Idempotency-Key the limits are taken inside the intake's transaction, which holds a
    // connection of the main pool: on that pool, as many parallel intakes as it has connections
    // would wait for each other until the connect timeout. The Postgres store gets a small pool of
    // its own. Its commits do not wait for the WAL flush: every intake updates the one
    // daily-ceiling row, whose lock is held until commit, so a flush per intake serialised them
    // all. A crash of Postgres can forget the last fraction of a second of counts; the counts stay
    // exact under parallel load (each upsert is still atomic).
    const limits = await openDatabase({
      url: database.url,
      max: 4,
      sessionOptions: "-c synchronous_commit=off",
    });
    closers.unshift(() => limits.close());
    // Supabase, when configured, holds the artifacts and issues the portal's sign-in links.
    const { supabase } = config;
    const portalSignIn = supabase
      ? (await import("../data-access/supabase.ts")).createSupabaseSignIn(supabase)
      : undefined;
    const rateLimits = createRateLimits({
      pool: limits.pool,
      redisUrl: config.redisUrl,
      namespace: config.queueName,
    });
    closers.unshift(() => rateLimits.close());

    return {
      config,
      pool: database.pool,
      databaseUrl: database.url,
      queue,
      assets,
      mailer,
      rateLimits,
      logger,
      metrics: createMetrics(service),
      pipeline,
      draftingModel,
      portalSignIn,
      adapters: {
        database: database.embedded
          ? `embedded Postgres (${path.join(config.dataDir, "postgres")})`
          : "Postgres at DATABASE_URL",
        queue: config.redisUrl ? "BullMQ on Redis at REDIS_URL" : "in-process queue",
        assets: supabase
          ? `Supabase Storage bucket ${supabase.bucket}`
          : config.s3
            ? `S3 bucket ${config.s3.bucket}`
            : `local folder ${path.join(config.dataDir, "assets")}`,
        mailer: config.resendApiKey ? "Resend" : "outbox in Postgres (nothing leaves this machine)",
        drafting: drafting.offline ? "offline drafting model" : drafting.id,
        reviewGates: config.reviewGates.length ? config.reviewGates.join(", ") : "none",
      },
      close: async () => {
        for (const close of closers) await close().catch((err) => logger.error({ err }, "close failed"));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}

/** The value `load` resolves to, loaded on the first call; a failed load is tried again on the next. */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    }));
}

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the API; resolves once it listens. `stop` lets in-flight requests finish. Behind Caddy
 * (bin/server.ts) idle connections stay open through the drain's grace; with nothing in front
 * (tests, local) they close at once.
 */
export async function startApi(
  deps: Deps,
  port = deps.config.apiPort,
  host = deps.config.apiHost,
  drainOptions: DrainOptions = { idleGraceMs: 0 },
): Promise<RunningServer> {
  const events = new RunEvents(deps.databaseUrl, deps.pool, deps.logger, deps.config.eventStreams);
  await events.start();
  const app = createApp(deps, events);
  const server = app.listen(port, host);
  // Longer than the proxies' idle timeouts (Caddy, load balancers), so the server never closes a
  // kept-alive connection just as a client sends on it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { drain } = drainable(server, drainOptions);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    stop: async () => {
      // Event streams never go idle; the drain cuts them after its grace periods.
      const drained = drain();
      await events.stop();
      await drained;
    },
  };
}

/**
 * Starts the worker: consumes runs, sends due campaign emails and re-enqueues runs that were
 * left queued. Its stop waits for the run in progress. A run whose worker died is taken over by
 * BullMQ's stalled-job check once the dead worker's lock expires (RUN_LOCK_SECONDS); with the
 * in-process queue, by the next start.
 */
export async function startWorker(deps: Deps): Promise<{ stop(): Promise<void> }> {
  const { pool, queue, logger, config } = deps;
  // Runs in one worker thread (AGENCY_RUN_ISOLATION=thread, the default): the CPU-bound steps
  // (Svelte compile, bundling) do not block this event loop, which serves the API locally and
  // renews the queue's locks in production.
  const inline = config.runIsolation !== "thread";
  // Inline, this thread runs the pipeline: loaded (and its checkpoint tables created) before the
  // first job, as the run thread does at its start.
  if (inline) await deps.pipeline();
  const executor = inline ? inlineRunExecutor(deps) : startRunThreads(deps, config.workerConcurrency);
  if (!config.redisUrl) {
    // The in-memory queue of a previous process is gone: its unfinished runs start again.
    for (const runId of await unfinishedRuns(pool)) await queue.add(runId, { runId });
  }
  await queue.process(
    async ({ runId }, job) => {
      await executor.execute(runId, job.attempt >= RUN_ATTEMPTS);
    },
    { concurrency: config.workerConcurrency },
  );
  const scheduler = startEmailScheduler(deps);
  const sweep = setInterval(() => {
    staleQueuedRuns(pool, 60)
      .then(async (runs) => {
        // One sweep job per time a run was queued: a run waiting behind a backlog is not enqueued
        // again every minute, and a run queued anew (a retry, a review) gets a fresh id.
        for (const { id, queuedAt } of runs) await queue.add(`${id}-sweep-${queuedAt}`, { runId: id });
      })
      .catch((err) => logger.warn({ err }, "sweep of queued runs failed"));
  }, 30_000);
  sweep.unref();
  const retention = startRetention(deps);
  return {
    stop: async () => {
      clearInterval(sweep);
      retention.stop();
      await scheduler.stop();
      // The queue stops taking jobs and waits for the runs in progress; then the threads end.
      await queue.close();
      await executor.stop();
    },
  };
}
