/**
 * The agency pipeline: eight steps in a fixed sequence (STEP_NAMES), with a review gate after the
 * PRD and after the campaign when `configurable.reviewGates` enables them. Export both the
 * builder, so callers and tests can compile with their own checkpointer, and the compiled graph.
 */
import { END, START, StateGraph, type RetryPolicy } from "@langchain/langgraph";
import { ConfigurationSchema } from "./configuration.ts";
import { STEP_NAMES, type StepName } from "./contracts.ts";
import { campaignComposer } from "./nodes/campaignComposer.ts";
import { explainerProducer } from "./nodes/explainerProducer.ts";
import { indicationOkrs } from "./nodes/indicationOkrs.ts";
import { intakeParser } from "./nodes/intakeParser.ts";
import { marketMapper } from "./nodes/marketMapper.ts";
import { productDocWriter } from "./nodes/productDocWriter.ts";
import { prototyper } from "./nodes/prototyper.ts";
import { isTransient } from "./providers/chat.ts";
import { wireframer } from "./nodes/wireframer.ts";
import { REVIEW_GATE_NAMES, REVIEW_GATES, type ReviewGate, reviewGate, routeAfter } from "./review/gates.ts";
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

/** Each step's node; the order they run in is STEP_NAMES, and only there. */
const STEP_NODES = {
  intake_parser: intakeParser,
  market_mapper: marketMapper,
  product_doc_writer: productDocWriter,
  wireframer,
  prototyper,
  explainer_producer: explainerProducer,
  campaign_composer: campaignComposer,
  indication_okrs: indicationOkrs,
} satisfies Record<StepName, unknown>;

/** The review gate that follows a step, if any. */
const GATE_AFTER = new Map<StepName, ReviewGate>(REVIEW_GATE_NAMES.map((g) => [REVIEW_GATES[g].step, g]));

export function buildPipeline() {
  const graph = new StateGraph(PipelineAnnotation, ConfigurationSchema)
    .addNode(STEP_NODES)
    .setNodeDefaults({ retryPolicy: NODE_RETRY_POLICY })
    // A gate waits for a person; there is nothing to retry.
    .addNode("prd_review", reviewGate("prd_review"), {
      ends: [REVIEW_GATES.prd_review.step, REVIEW_GATES.prd_review.next],
      retryPolicy: { maxAttempts: 1 },
    })
    .addNode("campaign_review", reviewGate("campaign_review"), {
      ends: [REVIEW_GATES.campaign_review.step, REVIEW_GATES.campaign_review.next],
      retryPolicy: { maxAttempts: 1 },
    });
  // The edges follow STEP_NAMES; a gated step routes through its gate when the run enables it.
  graph.addEdge(START, STEP_NAMES[0]);
  STEP_NAMES.forEach((step, i) => {
    const gate = GATE_AFTER.get(step);
    if (gate) graph.addConditionalEdges(step, routeAfter(gate), [gate, REVIEW_GATES[gate].next]);
    else graph.addEdge(step, STEP_NAMES[i + 1] ?? END);
  });
  return graph;
}

export const pipeline = buildPipeline().compile({ name: "agency_pipeline" });
