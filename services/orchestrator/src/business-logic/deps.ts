import type { DraftingModel } from "@roboagency/agents/light";
import type pg from "pg";
import type { Config } from "../config.ts";
import type { AssetStore } from "../data-access/assets.ts";
import type { Pipeline } from "../data-access/checkpointer.ts";
import type { Mailer } from "../data-access/mailer.ts";
import type { JobQueue } from "../data-access/queue.ts";
import type { RateLimits } from "../data-access/rate-limits.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { PortalSignIn } from "./portal-auth.ts";

/**
 * A job on the run queue: the run to execute or resume. The first job's id is the run id, so a
 * duplicate submit runs once; resumes (review decision, retry, sweep) get ids of their own.
 */
export interface RunJob {
  runId: string;
}

/** What the API and the worker are built from; each part has a production and an embedded adapter. */
export interface Deps {
  config: Config;
  pool: pg.Pool;
  /** The connection string of `pool`, for the LISTEN connection of live run events. */
  databaseUrl: string;
  queue: JobQueue<RunJob>;
  assets: AssetStore;
  mailer: Mailer;
  /** Counters shared by every API process (Redis when configured, else Postgres). */
  rateLimits: RateLimits;
  logger: Logger;
  metrics: Metrics;
  /**
   * The pipeline compiled with the Postgres checkpointer (thread id = run id). Loaded on first use:
   * in production only the run thread executes runs, so the API and the worker's main thread load
   * LangGraph and the agents' nodes only for a review's edit (or an inline run).
   */
  pipeline(): Promise<Pipeline>;
  /** Who makes and checks the portal's sign-in tokens; undefined is the agency's own (`agencySignIn`). */
  portalSignIn?: PortalSignIn;
  /** Who drafts; undefined leaves the pipeline's offline default. Loaded on first use, as the pipeline. */
  draftingModel(): Promise<DraftingModel | undefined>;
}

/** What executing a run needs: a run thread has no queue and takes no intakes (no rate limits). */
export type RunDeps = Omit<Deps, "queue" | "rateLimits">;
