/**
 * Runs: starting one, and executing or resuming one in the worker. The pipeline checkpoints to
 * Postgres after every step (thread id = run id), so whichever worker picks a run up continues
 * from its last completed step: after a crash, a review decision or an operator's retry. Each
 * step's status, timing, artifacts and provider usage are stored as the pipeline streams them,
 * and announced on RUN_CHANNEL for live views.
 */
import { Command } from "@langchain/langgraph";
import {
  CAMPAIGN_STEPS,
  STEP_NAMES,
  type Artifact,
  type CampaignEmail,
  type ReviewRequest,
  type StepName,
  type UsageRecord,
} from "@roboagency/agents";
import { withTransaction } from "../data-access/database.ts";
import {
  activeRun,
  beginRun,
  finishRun,
  insertCampaign,
  insertRun,
  insertUsage,
  notifyRun,
  projectExists,
  projectSpend,
  requestReview,
  resetSteps,
  reviewOf,
  setStep,
  upsertAsset,
} from "../data-access/repository.ts";
import { fireLeadReady } from "./campaign.ts";
import type { Deps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { WORKFLOWS } from "./intake.ts";

const isStep = (name: string): name is StepName => (STEP_NAMES as readonly string[]).includes(name);

/**
 * Enqueues a run; a failure here leaves it `queued`, and the worker's sweep enqueues it again.
 * `reason` names a resume (e.g. `review-<id>`): BullMQ remembers finished job ids for a day, so
 * every resume needs an id of its own.
 */
export async function enqueueRun(
  deps: Pick<Deps, "queue" | "logger">,
  runId: string,
  reason?: string,
): Promise<void> {
  try {
    await deps.queue.add(reason ? `${runId}-${reason}` : runId, { runId });
  } catch (err) {
    deps.logger.error({ err, runId }, "could not enqueue the run; the worker's sweep will pick it up");
  }
}

export async function startWorkflow(
  deps: Pick<Deps, "pool" | "queue" | "logger">,
  projectId: string,
  workflow: string,
): Promise<{ run_id: string; status_url: string }> {
  if (!(WORKFLOWS as readonly string[]).includes(workflow)) {
    throw new HttpError(422, "invalid_request", `Unknown workflow "${workflow}".`, [
      { field: "workflow", message: `must be one of: ${WORKFLOWS.join(", ")}` },
    ]);
  }
  const runId = await withTransaction(deps.pool, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`project:${projectId}`]);
    if (!(await projectExists(tx, projectId))) throw notFound("The project");
    const active = await activeRun(tx, projectId);
    if (active) {
      throw new HttpError(409, "run_in_progress", `Run ${active} of this project has not finished yet.`);
    }
    return insertRun(tx, projectId, workflow);
  });
  await enqueueRun(deps, runId);
  return { run_id: runId, status_url: `/v1/runs/${runId}` };
}

export const storageKey = (projectId: string, runId: string, a: Pick<Artifact, "prefix" | "name">) =>
  `${a.prefix}/${projectId}/${runId}/${a.name}`;

/** The thread of a run in the checkpointer, with what its nodes read from `configurable`. */
export async function runConfig(
  deps: Pick<Deps, "config" | "pool" | "draftingModel">,
  runId: string,
  projectId: string,
) {
  return {
    configurable: {
      thread_id: runId,
      reviewGates: deps.config.reviewGates,
      // The project's other runs; the pipeline adds this run's own spend from its checkpointed usage.
      budget: {
        limitUsd: deps.config.projectBudgetUsd,
        spentUsd: await projectSpend(deps.pool, projectId, runId),
      },
      ...(deps.draftingModel ? { draftingModel: deps.draftingModel } : {}),
    },
  };
}

/** The pending interrupt of a run's checkpoint: the gate it waits at. */
function pendingInterrupt(snapshot: {
  tasks: ReadonlyArray<{ interrupts?: ReadonlyArray<{ id?: string; value?: unknown }> }>;
}) {
  for (const task of snapshot.tasks) {
    for (const i of task.interrupts ?? []) {
      if (i.id) return { id: i.id, request: i.value as ReviewRequest };
    }
  }
  return undefined;
}

function errorName(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (name === "BudgetExceededError") return name;
  }
  return (err as { name?: string } | undefined)?.name;
}

/**
 * Executes one run until it completes, fails, runs out of budget or stops at a review gate.
 * `finalAttempt` tells whether a failure is final or the queue will try again (the run then goes
 * back to `queued`). Two workers never run one run at once: a session advisory lock, released by
 * Postgres when a worker dies, guards it.
 */
export async function executeRun(deps: Deps, runId: string, finalAttempt = true): Promise<void> {
  const lock = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    const { rows } = await lock.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
      [`run:${runId}`],
    );
    if (!rows[0]?.ok) {
      deps.logger.info({ runId }, "run is being executed by another worker; job skipped");
      return;
    }
    try {
      await executeLocked(deps, runId, finalAttempt);
    } finally {
      await lock
        .query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [`run:${runId}`])
        .catch((err) => {
          broken = err as Error;
        });
    }
  } finally {
    lock.release(broken);
  }
}

async function executeLocked(deps: Deps, runId: string, finalAttempt: boolean): Promise<void> {
  const { pool, metrics, logger, config } = deps;
  const claimed = await beginRun(pool, runId);
  if (!claimed) {
    logger.info({ runId }, "run is not waiting to run (finished, awaiting review, or unknown); job skipped");
    return;
  }
  const { projectId, leadId, intake } = claimed;
  const log = logger.child({ runId, projectId });
  const runnable = await runConfig(deps, runId, projectId);
  const graph = deps.pipeline;

  const started = new Map<StepName, Date>();
  const finished: StepName[] = [];
  let input: Parameters<typeof graph.stream>[0] | undefined;
  const before = await graph.getState(runnable);
  if (!before.createdAt) {
    await resetSteps(pool, runId);
    input = {
      intake,
      context: {
        projectId,
        leadId,
        runId,
        portalUrl: config.publicPortalUrl,
        calendarUrl: config.calendarUrl,
      },
    };
  } else {
    const waiting = pendingInterrupt(before);
    if (waiting) {
      const review = await reviewOf(pool, runId, waiting.id);
      if (!review?.decision) {
        await parkForReview(deps, runId, waiting);
        return;
      }
      // A resume carries no state update of its own, so the graph's update type does not constrain it.
      input = new Command({
        resume: {
          decision: review.decision,
          comment: review.comment ?? undefined,
          edits: review.edits ?? undefined,
        },
      }) as Parameters<typeof graph.stream>[0];
      log.info({ gate: review.gate, decision: review.decision }, "resuming after review");
    } else if (before.next.length > 0) {
      input = null;
      log.info({ next: before.next }, "resuming from the last checkpoint");
    }
    // Else the graph had finished before the worker stopped: only the completion is left.
  }
  await notifyRun(pool, runId);

  try {
    if (input !== undefined) {
      const stream = await graph.stream(input, {
        ...runnable,
        streamMode: ["updates", "values", "tasks"],
        // Each step's checkpoint is written before the next step starts, so "completed" below is durable.
        durability: "sync",
      });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, Record<string, unknown>]>) {
        if (mode === "tasks") {
          const name = chunk["name"];
          if (typeof name === "string" && isStep(name) && !("result" in chunk)) {
            const now = new Date();
            started.set(name, now);
            await setStep(pool, runId, name, "running", now);
            await notifyRun(pool, runId);
          }
        } else if (mode === "updates") {
          for (const [node, output] of Object.entries(chunk)) {
            const out = (output ?? {}) as { artifacts?: Artifact[]; usage?: UsageRecord[] };
            for (const artifact of out.artifacts ?? []) await storeArtifact(deps, projectId, runId, artifact);
            await recordUsage(deps, runId, projectId, out.usage ?? []);
            if (isStep(node)) finished.push(node);
          }
        } else if (mode === "values" && finished.length) {
          // A values chunk follows the checkpoint of the steps finished before it.
          const now = new Date();
          for (const step of finished.splice(0)) {
            await setStep(pool, runId, step, "completed", now);
            const from = started.get(step);
            if (from) metrics.stepDuration.observe({ step }, (now.getTime() - from.getTime()) / 1000);
            started.delete(step);
            log.info({ step }, "step completed");
          }
          await notifyRun(pool, runId);
        }
      }
    }
    const after = await graph.getState(runnable);
    const waiting = pendingInterrupt(after);
    if (waiting) {
      await parkForReview(deps, runId, waiting);
      return;
    }
    if (after.next.length > 0) throw new Error(`the pipeline stopped before ${after.next.join(", ")}`);
    const emails = (after.values as { campaign?: { emails: CampaignEmail[] } }).campaign?.emails ?? [];
    await completeRun(deps, { runId, projectId, toEmail: intake.email, emails });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const current = [...started.keys()].at(-1) ?? (await currentStep(deps, runId));
    metrics.stepFailures.inc({ step: current });
    await setStep(pool, runId, current, "failed", new Date(), message);
    if (errorName(err) === "BudgetExceededError") {
      // Not retried: another attempt would spend more of what is not there.
      await finishRun(pool, runId, "budget_exceeded", `${current}: ${message}`);
      metrics.runs.inc({ status: "budget_exceeded" });
      await notifyRun(pool, runId);
      log.warn({ err, step: current }, "run stopped: project budget exceeded");
      return;
    }
    if (finalAttempt) {
      await finishRun(pool, runId, "failed", `${current}: ${message}`);
      metrics.runs.inc({ status: "failed" });
    } else {
      await finishRun(pool, runId, "queued", `${current}: ${message} (will be retried)`);
    }
    await notifyRun(pool, runId);
    log.error({ err, step: current, finalAttempt }, "run failed");
    throw err;
  }
}

/** The first step not completed: where a run that failed outside a step stands. */
async function currentStep(deps: Pick<Deps, "pool">, runId: string): Promise<StepName> {
  const { rows } = await deps.pool.query<{ step: string }>(
    "SELECT step FROM run_steps WHERE run_id = $1 AND status <> 'completed' ORDER BY position LIMIT 1",
    [runId],
  );
  const step = rows[0]?.step;
  return step && isStep(step) ? step : STEP_NAMES[STEP_NAMES.length - 1]!;
}

async function storeArtifact(deps: Deps, projectId: string, runId: string, artifact: Artifact) {
  const key = storageKey(projectId, runId, artifact);
  const stored = await deps.assets.put(key, artifact.body, artifact.contentType);
  await upsertAsset(deps.pool, {
    projectId,
    runId,
    step: artifact.step,
    kind: artifact.kind,
    name: artifact.name,
    contentType: artifact.contentType,
    storageKey: key,
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    offlineDraft: artifact.offlineDraft,
  });
}

async function recordUsage(deps: Deps, runId: string, projectId: string, usage: UsageRecord[]) {
  if (usage.length === 0) return;
  await insertUsage(deps.pool, runId, projectId, usage);
  for (const u of usage) {
    const labels = { step: u.step, provider: u.provider, model: u.model };
    deps.metrics.llmTokens.inc({ ...labels, kind: "input" }, u.inputTokens);
    deps.metrics.llmTokens.inc({ ...labels, kind: "output" }, u.outputTokens);
    deps.metrics.llmCost.inc(labels, u.costUsd);
  }
}

/** The run waits at a gate: recorded once per interrupt, shown as `awaiting_review`. */
async function parkForReview(deps: Deps, runId: string, waiting: { id: string; request: ReviewRequest }) {
  await withTransaction(deps.pool, async (tx) => {
    await requestReview(tx, {
      runId,
      gate: waiting.request.gate,
      step: waiting.request.step,
      interruptId: waiting.id,
      artifacts: waiting.request.artifacts,
    });
    await finishRun(tx, runId, "awaiting_review");
    await notifyRun(tx, runId);
  });
  deps.logger.info({ runId, gate: waiting.request.gate }, "run awaiting review");
}

async function completeRun(
  deps: Deps,
  run: { runId: string; projectId: string; toEmail: string; emails: CampaignEmail[] },
): Promise<void> {
  const { pool, config, metrics } = deps;
  const missing = CAMPAIGN_STEPS.filter((s) => !run.emails.some((e) => e.step === s));
  if (missing.length) throw new Error(`campaign_composer produced no ${missing.join(", ")} email`);
  const now = Date.now();
  const dispatch = config.automationWebhookUrl ? "automation" : "scheduler";
  const campaign = await withTransaction(pool, async (tx) => {
    const created = await insertCampaign(tx, {
      projectId: run.projectId,
      runId: run.runId,
      toEmail: run.toEmail,
      dispatch,
      emails: CAMPAIGN_STEPS.map((step, i) => {
        const email = run.emails.find((e) => e.step === step)!;
        return {
          step,
          position: i + 1,
          subject: email.subject,
          preheader: email.preheader,
          html: email.html,
          text: email.text,
          sendAfter: new Date(now + config.campaignDelaysSeconds[i]! * 1000),
        };
      }),
    });
    await finishRun(tx, run.runId, "completed");
    await notifyRun(tx, run.runId);
    return created;
  });
  metrics.runs.inc({ status: "completed" });
  const { rows } = await pool.query<{ seconds: number }>(
    "SELECT extract(epoch FROM lead_ready_at - created_at)::float8 AS seconds FROM workflow_runs WHERE id = $1",
    [run.runId],
  );
  if (rows[0]) metrics.leadReadySeconds.observe(rows[0].seconds);
  await fireLeadReady(deps, { ...run, campaignId: campaign.campaignId, dispatch });
}
