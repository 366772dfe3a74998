/**
 * What the API and the worker's main thread need from the agents without loading the pipeline:
 * the step and gate names, the sectors, the intake schema, the drafting variables' check and the
 * text helpers of the content pipeline. No module reached from here imports LangGraph or a
 * LangChain provider (light.test.ts checks it); the pipeline itself is in the package's root
 * (index.ts), which only the run thread, an inline run and a review load.
 */
export * from "./contracts.ts";
export { listSectors, getSector, type SectorProfile } from "./kb.ts";
export { intakeInputSchema } from "./schemas.ts";
export type { PipelineInput, PipelineState, PipelineUpdate } from "./state.ts";
export {
  REVIEW_GATES,
  REVIEW_GATE_NAMES,
  ReviewEditError,
  parseReviewGates,
  type EmailEdit,
  type ReviewDecision,
  type ReviewEdits,
  type ReviewGate,
  type ReviewRequest,
} from "./review/gate-names.ts";
export type { DraftingModel } from "./configuration.ts";
export {
  draftingPlanFromEnv,
  DEFAULT_MODELS,
  PROVIDERS,
  type DraftingPlan,
  type Provider,
} from "./providers/plan.ts";
export { PRICES, costUsd, type Price } from "./providers/prices.ts";
export { stemWord } from "./text/analyse.ts";
export { tokenize } from "./text/format.ts";
export { isStopword } from "./text/stopwords.ts";
export { splitSentences } from "./text/split-sentences.ts";
