/**
 * The agency pipeline: eight steps in a fixed sequence (STEP_NAMES), with a review gate after the
 * PRD and after the campaign when `configurable.reviewGates` enables them. Export both the
 * builder, so callers and tests can compile with their own checkpointer, and the compiled graph.
 */
import { END, START, StateGraph, type RetryPolicy } from "@langchain/langgraph";
import { campaignComposer } from "./nodes/campaignComposer.ts";
import { explainerProducer } from "./nodes/explainerProducer.ts";
import { indicationOkrs } from "./nodes/indicationOkrs.ts";
import { intakeParser } from "./nodes/intakeParser.ts";
import { marketMapper } from "./nodes/marketMapper.ts";
import { productDocWriter } from "./nodes/productDocWriter.ts";
import { prototyper } from "./nodes/prototyper.ts";
import { isTransient } from "./providers/chat.ts";
import { wireframer } from "./nodes/wireframer.ts";
import { REVIEW_GATES, reviewGate, routeAfter } from "./review/gates.ts";
import { PipelineAnnotation } from "./state.ts";

const TRANSIENT_ERROR_NAMES = new Set([
  "APIConnectionError",
  "APIConnectionTimeoutError",
  "RateLimitError",
  "InternalServerError",
]);

/**
 * Errors worth another try of the same node: what a provider says is temporary (rate limits,
 * 5xx, timeouts, dropped connections) or what marks itself `transient`/`retryable`. A budget
 * stop, a bad draft or a bug fails at once.
 */
export function isTransientError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; transient?: unknown; retryable?: unknown };
  if (e.name === "BudgetExceededError") return false;
  // The drafting model's own retry layer already spent its attempts (and any Retry-After) on it.
  if (e.retryable === false) return false;
  if (e.transient === true || e.retryable === true) return true;
  if (typeof e.name === "string" && TRANSIENT_ERROR_NAMES.has(e.name)) return true;
  return isTransient(error);
}

/**
 * Per-node retries for transient errors outside the drafting model (retrieval, the vector store);
 * provider calls are retried once, inside ChatDraftingModel, and arrive here marked retryable: false.
 * A crash or a final failure resumes from the checkpoint instead.
 */
export const NODE_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialInterval: 1000,
  backoffFactor: 2,
  maxInterval: 10_000,
  retryOn: isTransientError,
};

export function buildPipeline() {
  const retry = { retryPolicy: NODE_RETRY_POLICY };
  return new StateGraph(PipelineAnnotation)
    .addNode("intake_parser", intakeParser, retry)
    .addNode("market_mapper", marketMapper, retry)
    .addNode("product_doc_writer", productDocWriter, retry)
    .addNode("wireframer", wireframer, retry)
    .addNode("prototyper", prototyper, retry)
    .addNode("explainer_producer", explainerProducer, retry)
    .addNode("campaign_composer", campaignComposer, retry)
    .addNode("indication_okrs", indicationOkrs, retry)
    .addNode("prd_review", reviewGate("prd_review"), {
      ends: [REVIEW_GATES.prd_review.step, REVIEW_GATES.prd_review.next],
    })
    .addNode("campaign_review", reviewGate("campaign_review"), {
      ends: [REVIEW_GATES.campaign_review.step, REVIEW_GATES.campaign_review.next],
    })
    .addEdge(START, "intake_parser")
    .addEdge("intake_parser", "market_mapper")
    .addEdge("market_mapper", "product_doc_writer")
    .addConditionalEdges("product_doc_writer", routeAfter("prd_review"), ["prd_review", "wireframer"])
    .addEdge("wireframer", "prototyper")
    .addEdge("prototyper", "explainer_producer")
    .addEdge("explainer_producer", "campaign_composer")
    .addConditionalEdges("campaign_composer", routeAfter("campaign_review"), [
      "campaign_review",
      "indication_okrs",
    ])
    .addEdge("indication_okrs", END);
}

export const pipeline = buildPipeline().compile({ name: "agency_pipeline" });
