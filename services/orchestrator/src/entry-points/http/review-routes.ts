/** Operator routes that act on a run: the decision at a review gate, and the retry of a failed run. */
import { Router } from "express";
import type { Deps } from "../../business-logic/deps.ts";
import { notFound } from "../../business-logic/errors.ts";
import { retryRun, submitReview } from "../../business-logic/review.ts";
import { jsonBody, requireOperator } from "./middleware.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function runId(value: unknown): string {
  if (typeof value !== "string" || !UUID.test(value)) throw notFound("The run");
  return value;
}

export function reviewRoutes(deps: Deps): Router {
  const router = Router();
  const auth = requireOperator(deps.config.adminToken);
  const json = jsonBody(deps.config.bodyLimitBytes);

  router.post("/v1/runs/:runId/review", auth, ...json, async (req, res) => {
    const answer = await submitReview(deps, runId(req.params.runId), req.body);
    res.status(202).location(answer.status_url).json(answer);
  });

  router.post("/v1/runs/:runId/retry", auth, async (req, res) => {
    const answer = await retryRun(deps, runId(req.params.runId));
    res.status(202).location(answer.status_url).json(answer);
  });

  return router;
}
