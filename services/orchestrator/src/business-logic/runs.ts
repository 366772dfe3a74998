/**
 * Runs: starting one, and executing one in the worker. Each step's status, timing and artifacts
 * are stored as the pipeline streams its updates, and announced on RUN_CHANNEL for live views.
 */
import {
  CAMPAIGN_STEPS,
  STEP_NAMES,
  pipeline,
  type Artifact,
  type CampaignEmail,
  type StepName,
} from "@roboagency/agents";
import { withTransaction } from "../data-access/database.ts";
import {
  activeRun,
  beginRun,
  finishRun,
  insertCampaign,
  insertRun,
  notifyRun,
  projectExists,
  setStep,
  upsertAsset,
} from "../data-access/repository.ts";
import { fireLeadReady } from "./campaign.ts";
import type { Deps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { WORKFLOWS } from "./intake.ts";

const isStep = (name: string): name is StepName => (STEP_NAMES as readonly string[]).includes(name);

/** Enqueues a run; a failure here leaves it `queued`, and the worker's sweep enqueues it again. */
export async function enqueueRun(deps: Pick<Deps, "queue" | "logger">, runId: string): Promise<void> {
  try {
    await deps.queue.add(runId, { runId });
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

/**
 * Executes one run end to end. `finalAttempt` tells whether a failure is final or the queue
 * will try again (the run then goes back to `queued`).
 */
export async function executeRun(deps: Deps, runId: string, finalAttempt = true): Promise<void> {
  const { pool, assets, metrics, logger, config } = deps;
  const claimed = await beginRun(pool, runId);
  if (!claimed) {
    logger.info({ runId }, "run already finished or unknown; job skipped");
    return;
  }
  const { projectId, leadId, intake } = claimed;
  const log = logger.child({ runId, projectId });
  let current: StepName = STEP_NAMES[0];
  let stepStartedAt = new Date();
  await setStep(pool, runId, current, "running", stepStartedAt);
  await notifyRun(pool, runId);

  let emails: CampaignEmail[] = [];
  try {
    const stream = await pipeline.stream(
      {
        intake,
        context: {
          projectId,
          leadId,
          runId,
          portalUrl: config.publicPortalUrl,
          calendarUrl: config.calendarUrl,
        },
      },
      { streamMode: "updates" },
    );
    for await (const update of stream) {
      for (const [node, output] of Object.entries(update as Record<string, unknown>)) {
        if (!isStep(node)) continue;
        const out = (output ?? {}) as { artifacts?: Artifact[]; campaign?: { emails: CampaignEmail[] } };
        for (const artifact of out.artifacts ?? []) {
          const key = storageKey(projectId, runId, artifact);
          const stored = await assets.put(key, artifact.body, artifact.contentType);
          await upsertAsset(pool, {
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
        if (node === "campaign_composer" && out.campaign) emails = out.campaign.emails;
        const now = new Date();
        await setStep(pool, runId, node, "completed", now);
        metrics.stepDuration.observe({ step: node }, (now.getTime() - stepStartedAt.getTime()) / 1000);
        const next = STEP_NAMES[STEP_NAMES.indexOf(node) + 1];
        if (next) {
          current = next;
          stepStartedAt = now;
          await setStep(pool, runId, next, "running", now);
        }
        await notifyRun(pool, runId);
      }
    }
    await completeRun(deps, { runId, projectId, toEmail: intake.email, emails });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    metrics.stepFailures.inc({ step: current });
    await setStep(pool, runId, current, "failed", new Date(), message);
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
