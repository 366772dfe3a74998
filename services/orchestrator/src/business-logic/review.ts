/**
 * An operator's hand on a run: the decision at a review gate, and the re-run of a failed run from
 * the step that failed. Both only record the decision and put the run back in line; a worker
 * (any worker) resumes the pipeline from its checkpoint.
 */
import { REVIEW_GATES, ReviewEditError, type ReviewGate } from "@roboagency/agents/light";
import { parse, reviewRequest, type Decision } from "@roboagency/contracts";
import { withTransaction } from "../data-access/database.ts";
import { notifyRun } from "../data-access/run-channel.ts";
import { decideReview, openReviewForUpdate } from "../data-access/run-reviews.ts";
import { requeueRun, runStatusForUpdate } from "../data-access/runs.ts";
import type { Deps } from "./deps.ts";
import { HttpError, notFound } from "./errors.ts";
import { enqueueRun, runConfig } from "./runs.ts";

interface ParsedReview {
  decision: Decision;
  comment?: string;
  edits?: Record<string, unknown>;
  reviewer: string;
}

const invalid = (field: string, message: string) =>
  new HttpError(422, "invalid_request", `${field} ${message}.`, [{ field, message }]);

/** The decision as the contracts' schema reads it: every bad field at once. */
export function parseReview(body: unknown): ParsedReview {
  return parse(reviewRequest, body, "review");
}

/** Records the decision on the open review and enqueues the run's resume. */
export async function submitReview(deps: Deps, runId: string, body: unknown) {
  const review = parseReview(body);
  const decided = await withTransaction(deps.pool, async (tx) => {
    const run = await runStatusForUpdate(tx, runId);
    if (!run) throw notFound("The run");
    const open = run.status === "awaiting_review" ? await openReviewForUpdate(tx, runId) : null;
    if (!open) {
      throw new HttpError(409, "not_awaiting_review", `The run is ${run.status}, not awaiting review.`);
    }
    if (review.edits) {
      // The same function the gate applies on resume, so an edit refused later cannot be accepted now.
      const snapshot = await (await deps.pipeline()).getState(await runConfig(deps, runId, run.project_id));
      // The pipeline's module, loaded with it: an API that never checks an edit never loads it.
      const { applyReviewEdits } = await import("@roboagency/agents");
      try {
        applyReviewEdits(
          snapshot.values as Parameters<typeof applyReviewEdits>[0],
          open.gate as ReviewGate,
          review.edits,
        );
      } catch (err) {
        if (err instanceof ReviewEditError) throw invalid(err.field, err.message.slice(err.field.length + 1));
        throw err;
      }
    }
    await decideReview(tx, open.id, review);
    await requeueRun(tx, runId);
    await notifyRun(tx, runId);
    return open;
  });
  deps.metrics.reviews.inc({ gate: decided.gate, decision: review.decision });
  deps.logger.info(
    { runId, gate: decided.gate, decision: review.decision, reviewer: review.reviewer },
    "review decided",
  );
  await enqueueRun(deps, runId, `review-${decided.id}`);
  const { step } = REVIEW_GATES[decided.gate as ReviewGate] ?? { step: decided.step };
  return {
    run_id: runId,
    status: "queued" as const,
    review: {
      id: decided.id,
      gate: decided.gate,
      step,
      decision: review.decision,
      reviewer: review.reviewer,
    },
    status_url: `/v1/runs/${runId}`,
  };
}

/** Puts a failed (or budget-stopped) run back in line; it resumes at the step that failed. */
export async function retryRun(deps: Deps, runId: string) {
  const attempt = await withTransaction(deps.pool, async (tx) => {
    const run = await runStatusForUpdate(tx, runId);
    if (!run) throw notFound("The run");
    if (run.status !== "failed" && run.status !== "budget_exceeded") {
      throw new HttpError(
        409,
        "not_retryable",
        `The run is ${run.status}; only a failed or budget_exceeded run can be retried.`,
      );
    }
    await requeueRun(tx, runId);
    await notifyRun(tx, runId);
    return run.attempts;
  });
  deps.logger.info({ runId }, "run retried by an operator");
  await enqueueRun(deps, runId, `retry-${attempt}`);
  return { run_id: runId, status: "queued" as const, status_url: `/v1/runs/${runId}` };
}
