/**
 * Runs: starting one, and executing or resuming one in the worker. The pipeline checkpoints to
 * Postgres after every step (thread id = run id), so whichever worker picks a run up continues
 * from its last completed step: after a crash, a review decision or an operator's retry. Each
 * step's status, timing, artifacts and provider usage are stored as the pipeline streams them,
 * and announced on RUN_CHANNEL for live views.
 */
import { createHash } from "node:crypto";
import {
  CAMPAIGN_STEPS,
  STEP_NAMES,
  type Artifact,
  type CampaignEmail,
  type PipelineState,
  type ReviewRequest,
  type StepName,
  type UsageRecord,
} from "@roboagency/agents/light";
import { withTransaction } from "../data-access/database.ts";
import { insertCampaign } from "../data-access/campaigns.ts";
import { projectExists } from "../data-access/leads-projects.ts";
import { lockForTransaction, withSessionLock } from "../data-access/locks.ts";
import { notifyRun } from "../data-access/run-channel.ts";
import { requestReview, reviewOf } from "../data-access/run-reviews.ts";
import {
  activeRun,
  beginRun,
  checkpointUsageCount,
  completeSteps,
  finishRun,
  firstUnfinishedStep,
  insertRun,
  insertUsage,
  leadReadySeconds,
  parkRunForReview,
  projectSpend,
  requeueRun,
  resetSteps,
  setRunQuality,
  setStep,
  storedArtifactHashes,
  upsertAsset,
} from "../data-access/runs.ts";
import { fireLeadReady } from "./campaign.ts";
import { unsubscribeToken } from "./subscriptions.ts";
import { captureError } from "../observability/sentry.ts";
import type { Deps, RunDeps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { WORKFLOWS } from "./intake.ts";
import { keysOf } from "./keys.ts";

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
    await lockForTransaction(tx, `project:${projectId}`);
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
  const draftingModel = await deps.draftingModel();
  return {
    configurable: {
      thread_id: runId,
      reviewGates: deps.config.reviewGates,
      // The project's other runs; the pipeline adds this run's own spend from its checkpointed usage.
      budget: {
        limitUsd: deps.config.projectBudgetUsd,
        spentUsd: await projectSpend(deps.pool, projectId, runId),
      },
      ...(draftingModel ? { draftingModel } : {}),
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

/** The BudgetExceededError behind a failure (recognised by name; it may arrive as a cause). */
function budgetError(err: unknown): { usage?: UsageRecord[] } | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: unknown }).name === "BudgetExceededError") return e as { usage?: UsageRecord[] };
  }
  return undefined;
}

/** Calls the failed step paid for: they ride on its error (or a cause), since its update was lost. */
function paidUsage(err: unknown): UsageRecord[] {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const usage = (e as { usage?: unknown }).usage;
    if (Array.isArray(usage)) return usage as UsageRecord[];
  }
  return [];
}

/**
 * Executes one run until it completes, fails, runs out of budget or stops at a review gate.
 * `finalAttempt` tells whether a failure is final or the queue will try again (the run then goes
 * back to `queued`). Two workers never run one run at once: a session advisory lock, released by
 * Postgres when a worker dies, guards it.
 */
export async function executeRun(deps: RunDeps, runId: string, finalAttempt = true): Promise<void> {
  const held = await withSessionLock(deps.pool, `run:${runId}`, (lockLost) =>
    executeLocked(deps, runId, finalAttempt, lockLost),
  );
  if (!held.acquired) deps.logger.info({ runId }, "run is being executed by another worker; job skipped");
}

async function executeLocked(
  deps: RunDeps,
  runId: string,
  finalAttempt: boolean,
  lockLost: AbortSignal,
): Promise<void> {
  const { pool, metrics, logger, config } = deps;
  const claimed = await beginRun(pool, runId);
  if (!claimed) {
    logger.info({ runId }, "run is not waiting to run (finished, awaiting review, or unknown); job skipped");
    return;
  }
  const { projectId, leadId, intake } = claimed;
  const log = logger.child({ runId, projectId });
  const runnable = await runConfig(deps, runId, projectId);
  const graph = await deps.pipeline();

  const started = new Map<StepName, Date>();
  const finished: StepName[] = [];
  const projection = await RunProjection.load(deps, runId, projectId);
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
        unsubscribeToken: unsubscribeToken(keysOf(config).signing("unsubscribe"), leadId),
      },
    };
  } else {
    // A worker that died may have left the rows behind its checkpoint.
    await projection.catchUp(before);
    const waiting = pendingInterrupt(before);
    if (waiting) {
      const review = await reviewOf(pool, runId, waiting.id);
      if (!review?.decision) {
        await parkForReview(deps, runId, waiting);
        return;
      }
      // A resume carries no state update of its own, so the graph's update type does not constrain it.
      const { Command } = await import("@langchain/langgraph");
      input = new Command({
        resume: {
          decision: review.decision,
          comment: review.comment ?? undefined,
          edits: review.edits ?? undefined,
        },
      }) as Parameters<typeof graph.stream>[0];
      log.info({ gate: review.gate, decision: review.decision }, "resuming after review");
    } else if (before.tasks.length > 0) {
      // `tasks`, not `next`: a step whose writes were saved but whose checkpoint was not (a worker
      // killed between the two) is left out of `next`, yet the graph has not moved past it. A
      // resume commits those writes without running the step again and goes on from there.
      input = null;
      log.info({ next: before.tasks.map((t) => t.name) }, "resuming from the last checkpoint");
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
        // Without its lock the run may already be another worker's: no step starts after that.
        signal: lockLost,
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
          for (const node of Object.keys(chunk)) if (isStep(node)) finished.push(node);
        } else if (mode === "values") {
          // A values chunk follows the checkpoint of the steps finished before it.
          await projection.sync(chunk as Partial<PipelineState>);
          if (!finished.length) continue;
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
    // The stream can run ahead of this loop; the checkpoint has everything.
    await projection.catchUp(after);
    const waiting = pendingInterrupt(after);
    if (waiting) {
      await parkForReview(deps, runId, waiting);
      return;
    }
    if (after.tasks.length > 0) {
      throw new Error(`the pipeline stopped before ${after.tasks.map((t) => t.name).join(", ")}`);
    }
    const values = after.values as Partial<PipelineState>;
    await completeRun(deps, {
      runId,
      projectId,
      toEmail: intake.email,
      artifacts: values.artifacts ?? [],
      emails: values.campaign?.emails ?? [],
    });
  } catch (err) {
    if (lockLost.aborted) {
      // The rows are no longer this worker's to write: whoever holds the lock now owns the run.
      log.error({ err, lockError: lockLost.reason }, "run lock lost; this worker stopped the run");
      throw err;
    }
    const message = err instanceof Error ? err.message : String(err);
    // An error ends the stream before the chunks it had buffered: what the checkpoint holds
    // (finished steps' artifacts and usage) is stored now, or a resume would never store it.
    await graph
      .getState(runnable)
      .then((snapshot) => projection.catchUp(snapshot))
      .catch((syncErr: unknown) => log.error({ err: syncErr }, "could not store the checkpoint's outputs"));
    const current = await failedStep(deps, runnable, err, [...started.keys()].at(-1));
    metrics.stepFailures.inc({ step: current });
    await setStep(pool, runId, current, "failed", new Date(), message);
    // Calls the stopped or failed step already paid for never reach the checkpoint; stored here,
    // they count against the budget of the next attempt (projectSpend) and show in the run's cost.
    const paid = paidUsage(err);
    if (paid.length) {
      await insertUsage(pool, runId, projectId, paid, false);
      countUsage(deps, paid);
    }
    const overBudget = budgetError(err);
    if (overBudget) {
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
      await requeueRun(pool, runId, `${current}: ${message} (will be retried)`);
    }
    await notifyRun(pool, runId);
    log.error({ err, step: current, finalAttempt }, "run failed");
    captureError(err, { runId, step: current, finalAttempt });
    throw err;
  }
}

/**
 * The step a failure belongs to: the checkpoint records the task that raised it; a failure outside
 * any task (storing, completing) belongs to the last step started, else the first not completed.
 */
async function failedStep(
  deps: RunDeps,
  runnable: Awaited<ReturnType<typeof runConfig>>,
  err: unknown,
  lastStarted: StepName | undefined,
): Promise<StepName> {
  const snapshot = await (await deps.pipeline()).getState(runnable).catch(() => undefined);
  const failed = snapshot?.tasks.find((t) => t.error !== undefined && isStep(t.name))?.name;
  if (failed && isStep(failed)) return failed;
  const named = (err as { step?: unknown }).step;
  if (typeof named === "string" && isStep(named)) return named;
  if (lastStarted) return lastStarted;
  const step = await firstUnfinishedStep(deps.pool, runnable.configurable.thread_id);
  return step && isStep(step) ? step : STEP_NAMES[STEP_NAMES.length - 1]!;
}

function countUsage(deps: Pick<Deps, "metrics">, usage: readonly UsageRecord[]): void {
  for (const u of usage) {
    const labels = { step: u.step, provider: u.provider, model: u.model };
    deps.metrics.llmTokens.inc({ ...labels, kind: "input" }, u.inputTokens);
    deps.metrics.llmTokens.inc({ ...labels, kind: "output" }, u.outputTokens);
    deps.metrics.llmCost.inc(labels, u.costUsd);
  }
}

/**
 * A binary body read back from a checkpoint is no longer a Buffer: JSON turned it into
 * `{ type: "Buffer", data: [...] }` (or a Uint8Array). The store takes strings and Buffers.
 */
function bodyOf(body: unknown): string | Buffer {
  if (typeof body === "string" || Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const json = body as { type?: unknown; data?: unknown };
  if (json?.type === "Buffer" && Array.isArray(json.data)) return Buffer.from(json.data as number[]);
  throw new Error(`an artifact body is neither text nor bytes (${typeof body})`);
}

/**
 * The run's rows (assets, usage, completed steps) as a projection of its checkpoint, which is the
 * truth: what the checkpoint holds and the rows miss is stored, nothing is stored twice.
 */
class RunProjection {
  private constructor(
    private readonly deps: RunDeps,
    private readonly runId: string,
    private readonly projectId: string,
    /** Stored artifacts: name → sha256 of the stored body. */
    private readonly stored: Map<string, string>,
    /** How many of the checkpoint's `usage` rows are stored; the channel only grows. */
    private usageStored: number,
  ) {}

  static async load(deps: RunDeps, runId: string, projectId: string): Promise<RunProjection> {
    const [stored, usageStored] = await Promise.all([
      storedArtifactHashes(deps.pool, runId),
      checkpointUsageCount(deps.pool, runId),
    ]);
    return new RunProjection(deps, runId, projectId, stored, usageStored);
  }

  /** Stores new or changed artifacts (the newest of each name) and new usage rows. */
  async sync(values: Partial<PipelineState>): Promise<void> {
    const latest = new Map<string, Artifact>();
    for (const a of values.artifacts ?? []) latest.set(a.name, a);
    for (const artifact of latest.values()) {
      const body = bodyOf(artifact.body);
      const sha256 = createHash("sha256").update(body).digest("hex");
      if (this.stored.get(artifact.name) === sha256) continue;
      await this.store({ ...artifact, body });
      this.stored.set(artifact.name, sha256);
    }
    const usage = values.usage ?? [];
    if (usage.length > this.usageStored) {
      const fresh = usage.slice(this.usageStored);
      await insertUsage(this.deps.pool, this.runId, this.projectId, fresh);
      this.usageStored = usage.length;
      countUsage(this.deps, fresh);
    }
  }

  /** `sync`, plus every step with output in the checkpoint and not pending marked completed. */
  async catchUp(snapshot: { values: unknown; next: readonly string[] }): Promise<void> {
    const values = snapshot.values as Partial<PipelineState>;
    await this.sync(values);
    const done = new Set((values.artifacts ?? []).map((a) => a.step));
    for (const step of snapshot.next) if (isStep(step)) done.delete(step);
    if (done.size === 0) return;
    const changed = await completeSteps(this.deps.pool, this.runId, [...done]);
    if (changed) await notifyRun(this.deps.pool, this.runId);
  }

  private async store(artifact: Artifact): Promise<void> {
    const key = storageKey(this.projectId, this.runId, artifact);
    const stored = await this.deps.assets.put(key, artifact.body, artifact.contentType);
    await upsertAsset(this.deps.pool, {
      projectId: this.projectId,
      runId: this.runId,
      step: artifact.step,
      kind: artifact.kind,
      name: artifact.name,
      contentType: artifact.contentType,
      storageKey: key,
      sizeBytes: stored.sizeBytes,
      sha256: stored.sha256,
      offlineDraft: artifact.offlineDraft,
    });
    if (artifact.kind === "quality_report") {
      // The report is also kept on the run, so its status shows it without a trip to storage.
      await setRunQuality(this.deps.pool, this.runId, String(artifact.body));
    }
  }
}

/** The run waits at a gate: recorded once per interrupt, shown as `awaiting_review`. */
async function parkForReview(deps: RunDeps, runId: string, waiting: { id: string; request: ReviewRequest }) {
  await withTransaction(deps.pool, async (tx) => {
    await requestReview(tx, {
      runId,
      gate: waiting.request.gate,
      step: waiting.request.step,
      interruptId: waiting.id,
      artifacts: waiting.request.artifacts,
    });
    await parkRunForReview(tx, runId);
    await notifyRun(tx, runId);
  });
  deps.logger.info({ runId, gate: waiting.request.gate }, "run awaiting review");
}

async function completeRun(
  deps: RunDeps,
  run: {
    runId: string;
    projectId: string;
    toEmail: string;
    artifacts: readonly Pick<Artifact, "step">[];
    emails: CampaignEmail[];
  },
): Promise<void> {
  const { pool, config, metrics } = deps;
  // Every step stores at least one artifact: a checkpoint that ends without some step's output
  // did not run that step, and the run is not complete whatever the graph says.
  const skipped = STEP_NAMES.filter((s) => !run.artifacts.some((a) => a.step === s));
  if (skipped.length) {
    throw Object.assign(new Error(`the pipeline ended without the output of ${skipped.join(", ")}`), {
      step: skipped[0],
    });
  }
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
  const seconds = await leadReadySeconds(pool, run.runId);
  if (seconds !== null) metrics.leadReadySeconds.observe(seconds);
  await fireLeadReady(deps, { ...run, campaignId: campaign.campaignId, dispatch });
}
