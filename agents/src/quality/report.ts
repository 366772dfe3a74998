/**
 * The quality report indication_okrs writes over every artifact of a run: hard gates (pass/fail with
 * the reason) and rubric scores between 0 and 1. Gates say whether an artifact may be shown to a
 * client; rubric scores say how good it is, so the eval can compare models and prompts.
 */
export const QUALITY_ARTIFACTS = [
  "brief",
  "market",
  "prd",
  "wireframes",
  "prototype",
  "explainer",
  "campaign",
  "okrs",
] as const;
export type QualityArtifact = (typeof QUALITY_ARTIFACTS)[number];

export interface Gate {
  id: string;
  passed: boolean;
  /** Why it passed or failed, specific enough to act on. */
  reason: string;
}

export interface ArtifactQuality {
  artifact: QualityArtifact;
  passed: boolean;
  gates: Gate[];
  /** Rubric criterion → score in [0, 1]. */
  rubric: Record<string, number>;
  /** Mean of the rubric scores. */
  score: number;
  /** What was not checked and why (e.g. no MP4 without ffmpeg), so a missing gate is explained. */
  notes?: string[];
}

export interface QualityReport {
  /** The drafting model that wrote the run, e.g. "offline" or "openai:gpt-5-mini". */
  draftingModel: string;
  passed: boolean;
  gatesPassed: number;
  gatesTotal: number;
  /** Mean of the artifacts' scores. */
  score: number;
  artifacts: ArtifactQuality[];
}
