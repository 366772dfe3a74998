/**
 * Public API of the agents workspace. The orchestrator runs:
 *   for await (const update of await pipeline.stream({ intake, context }, { streamMode: "updates" }))
 * and persists `update[step].artifacts` plus `update.campaign_composer.campaign.emails`.
 */
export * from "./contracts.ts";
export { listSectors, getSector, type SectorProfile } from "./kb.ts";
export { buildPipeline, pipeline } from "./graph.ts";
export type { PipelineInput, PipelineState, PipelineUpdate } from "./state.ts";
export { intakeInputSchema } from "./schemas.ts";
export type { DraftingModel, DraftRequest, DraftStep, DraftTasks } from "./configuration.ts";
export { offlineDraftingModel } from "./offline/model.ts";
export { OFFLINE_NOTICE } from "./artifacts.ts";
export {
  REVIEW_GATES,
  REVIEW_GATE_NAMES,
  ReviewEditError,
  applyReviewEdits,
  parseReviewGates,
  type EmailEdit,
  type ReviewDecision,
  type ReviewEdits,
  type ReviewGate,
  type ReviewRequest,
} from "./review/gates.ts";
export { NODE_RETRY_POLICY, isTransientError } from "./graph.ts";
