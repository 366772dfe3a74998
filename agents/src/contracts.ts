/**
 * What the pipeline takes and gives. The orchestrator depends on these types only;
 * everything else in agents/ is the pipeline's own business.
 */

/** The eight steps of the seed, in the order they run. Node ids are snake_case. */
export const STEP_NAMES = [
  "intake_parser",
  "market_mapper",
  "product_doc_writer",
  "wireframer",
  "prototyper",
  "explainer_producer",
  "campaign_composer",
  "indication_okrs",
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** The intake as the API accepted it (already validated). */
export interface IntakeInput {
  email: string;
  name?: string;
  company?: string;
  /** A sector id from `listSectors()`. */
  sector: string;
  idea: string;
  goals?: string;
  budget?: string;
  timeline?: string;
}

/** Where the project lives, so artifacts can link to the project's own pages only. */
export interface ProjectContext {
  projectId: string;
  leadId: string;
  runId: string;
  /** Base URL of the client portal, e.g. http://localhost:5001 or https://agency.example.com. */
  portalUrl: string;
  /** Booking link used by the calendar email. */
  calendarUrl: string;
  /**
   * The lead's signed unsubscribe token, which the campaign emails link to; the orchestrator
   * signs it (the project id alone is not secret). Runs started before it existed lack it.
   */
  unsubscribeToken?: string;
}

/** The three warm-up emails, in sending order. */
export const CAMPAIGN_STEPS = ["demo", "prototype", "calendar"] as const;
export type CampaignStep = (typeof CAMPAIGN_STEPS)[number];

export interface CampaignEmail {
  step: CampaignStep;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

/**
 * One stored output of a step. `body` is UTF-8 text or a Buffer for binary media.
 * `prefix` says where object storage keeps it: the seed's `docs/`, `videos/`, `prototypes/`.
 */
export interface Artifact {
  step: StepName;
  /** Stable machine name of the artifact kind, e.g. "brief", "prd", "wireframe", "prototype". */
  kind: string;
  /** File name, unique within a run, e.g. "prd.md", "wireframes/landing.svg". */
  name: string;
  contentType: string;
  prefix: "docs" | "videos" | "prototypes";
  body: string | Buffer;
  /** True when the offline drafting model wrote it (also stated inside the artifact). */
  offlineDraft: boolean;
}

export interface Sector {
  id: string;
  name: string;
  description: string;
}

/**
 * One provider call's cost, as a node reports it in its update (`usage` channel). The offline
 * model records nothing: it costs nothing, so a run without provider rows cost $0.
 */
export interface UsageRecord {
  step: StepName;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The per-project spending limit the orchestrator passes as `configurable.budget`. */
export interface Budget {
  limitUsd: number;
  /** What the project spent before this run. */
  spentUsd: number;
}

/** Thrown before a provider call that would exceed the budget, and after one that did. */
export class BudgetExceededError extends Error {
  override readonly name = "BudgetExceededError";
  constructor(
    readonly limitUsd: number,
    readonly spentUsd: number,
    readonly step: StepName | undefined,
    detail: string,
    /** Rows of calls already paid for when the guard tripped, so the orchestrator can record them. */
    readonly usage: UsageRecord[] = [],
  ) {
    super(
      `budget exceeded${step ? ` at ${step}` : ""}: ${detail} (limit $${limitUsd.toFixed(4)}, spent $${spentUsd.toFixed(4)})`,
    );
  }
}
