/**
 * Public API of the agents workspace: everything of `./light.ts` (names, sectors, schemas, the
 * drafting check, text helpers) plus the pipeline and what only a run needs. The orchestrator runs:
 *   for await (const update of await pipeline.stream({ intake, context }, { streamMode: "updates" }))
 * and persists `update[step].artifacts` plus `update.campaign_composer.campaign.emails`.
 */
export * from "./light.ts";
export { buildPipeline, pipeline } from "./graph.ts";
export type { DraftRequest, DraftStep, DraftTasks } from "./configuration.ts";
export { offlineDraftingModel } from "./offline/model.ts";
export { OFFLINE_NOTICE } from "./artifacts.ts";
export { applyReviewEdits } from "./review/gates.ts";
export { NODE_RETRY_POLICY, isTransientError } from "./graph.ts";
export { draftingModelFromEnv } from "./providers/env.ts";
export { ChatDraftingModel, type ChatDraftingModelOptions } from "./providers/chat.ts";
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
  keyConcepts,
  lemmas,
  mentions,
  stableHash,
  withoutQuotedRuns,
  grammarReport,
  type Concept,
} from "./text/index.ts";
