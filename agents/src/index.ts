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
export { draftingModelFromEnv, DEFAULT_MODELS, PROVIDERS, type Provider } from "./providers/env.ts";
export { draftingPlanFromEnv, type DraftingPlan } from "./providers/plan.ts";
export { ChatDraftingModel, type ChatDraftingModelOptions } from "./providers/chat.ts";
export { PRICES, costUsd, type Price } from "./providers/prices.ts";
export type { ExplainerVideoInfo } from "./state.ts";
export type { ArtifactQuality, Gate, QualityArtifact, QualityReport } from "./quality/report.ts";
export {
  COLLECTIONS,
  storeRetriever,
  type Collection,
  type Embedder,
  type RetrievedSource,
  type Retriever,
  type VectorStore,
} from "./retrieval/retriever.ts";
export {
  defaultRetriever,
  embedderFromEnv,
  ingestKnowledgeBase,
  retrieverFromEnv,
  vectorStoreFromEnv,
} from "./retrieval/knowledgeBase.ts";
export { EmbeddedVectorStore } from "./retrieval/embeddedStore.ts";
export { QdrantVectorStore } from "./retrieval/qdrantStore.ts";
export { hashedEmbedder, openAIEmbedder } from "./retrieval/embedders.ts";
export {
  isStopword,
  keyConcepts,
  lemmas,
  mentions,
  stableHash,
  stemWord,
  tokenize,
  withoutQuotedRuns,
  grammarReport,
  type Concept,
} from "./text/index.ts";
export { splitSentences } from "./text/split-sentences.ts";
