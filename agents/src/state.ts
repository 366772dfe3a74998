/**
 * The pipeline's state. Input is `{ intake, context }`; each node appends its artifacts and sets
 * its own output channel, which later nodes read.
 */
import { Annotation } from "@langchain/langgraph";
import type {
  Artifact,
  CampaignEmail,
  IntakeInput,
  ProjectContext,
  StepName,
  UsageRecord,
} from "./contracts.ts";
import type { QualityReport } from "./quality/report.ts";
import type { Brief, Explainer, Market, Okrs, Prd, Prototype, Wireframes } from "./schemas.ts";

export const PipelineAnnotation = Annotation.Root({
  /** The lead's intake as the API accepted it; re-validated by intake_parser. */
  intake: Annotation<IntakeInput>,
  /** Project ids and base URLs, so artifacts link only to the project's own pages. */
  context: Annotation<ProjectContext>,
  /**
   * Everything the steps produced, in order. Each node returns only its own new artifacts and the
   * reducer concatenates, so a streamed "updates" chunk holds exactly that node's artifacts.
   */
  artifacts: Annotation<Artifact[]>({
    reducer: (existing, added) => existing.concat(added),
    default: () => [],
  }),
  /** intake_parser: problem, users, key features, constraints and goals. */
  brief: Annotation<Brief | undefined>,
  /** market_mapper: comparable products with scores, sector patterns, pricing. */
  market: Annotation<Market | undefined>,
  /** product_doc_writer: the structured PRD behind prd.md. */
  prd: Annotation<Prd | undefined>,
  /** wireframer: screens and their regions, the contract the prototype implements. */
  wireframes: Annotation<Wireframes | undefined>,
  /** prototyper: what was built (entry file, screens, components, size). */
  prototype: Annotation<Prototype | undefined>,
  /** explainer_producer: the timed storyboard. */
  explainer: Annotation<Explainer | undefined>,
  /** campaign_composer: the three rendered warm-up emails, in sending order. */
  campaign: Annotation<{ emails: CampaignEmail[] } | undefined>,
  /** indication_okrs: objectives and key results. */
  okrs: Annotation<Okrs | undefined>,
  /** Provider calls and their cost; each node returns only its own rows and the reducer concatenates. */
  usage: Annotation<UsageRecord[]>({
    reducer: (existing, added) => existing.concat(added),
    default: () => [],
  }),
  /** explainer_producer: the MP4's name and length, or why there is none (no ffmpeg or espeak-ng). */
  explainerVideo: Annotation<ExplainerVideoInfo | undefined>,
  /** indication_okrs: gates passed or failed and rubric scores for every artifact of the run. */
  quality: Annotation<QualityReport | undefined>,
  /** A reviewer's send-back comment per step; the step takes it into account when it runs again. */
  reviewNotes: Annotation<Partial<Record<StepName, string>>>({
    reducer: (existing, added) => ({ ...existing, ...added }),
    default: () => ({}),
  }),
});

export type ExplainerVideoInfo = { mp4: string; seconds: number; renderMs: number } | { reason: string };

export type PipelineState = typeof PipelineAnnotation.State;
export type PipelineInput = { intake: IntakeInput; context: ProjectContext };

/** What `pipeline.stream(input, { streamMode: "updates" })` yields: one node's update per chunk. */
export type PipelineUpdate = { [node in StepName]?: Partial<PipelineState> };

/** Reads a channel an earlier node must have set; a gap means the graph is wired wrong. */
export function requireChannel<K extends keyof PipelineState>(
  state: PipelineState,
  key: K,
  step: StepName,
): NonNullable<PipelineState[K]> {
  const value = state[key];
  if (value === undefined || value === null) {
    throw new Error(`${step}: state.${String(key)} is missing; the step before it did not run`);
  }
  return value as NonNullable<PipelineState[K]>;
}
