/**
 * The review gates' names, the decision's shapes and the AGENCY_REVIEW_GATES parser: what the
 * API and the configuration need without loading LangGraph (gates.ts has the gates themselves).
 */
import type { CampaignStep, StepName } from "../contracts.ts";
import type { Prd } from "../schemas.ts";

export const REVIEW_GATES = {
  /** After the PRD: everything later builds on it. */
  prd_review: { step: "product_doc_writer", next: "wireframer" },
  /** Before any warm-up email is scheduled. */
  campaign_review: { step: "campaign_composer", next: "indication_okrs" },
} as const satisfies Record<string, { step: StepName; next: StepName }>;
export type ReviewGate = keyof typeof REVIEW_GATES;
export const REVIEW_GATE_NAMES = Object.keys(REVIEW_GATES) as ReviewGate[];

/** What a gate shows the reviewer: the interrupt's value. */
export interface ReviewRequest {
  gate: ReviewGate;
  step: StepName;
  /** Names of the step's artifacts, as stored for the run. */
  artifacts: string[];
}

/** A field-by-field replacement of the campaign's emails; what is left out stays. */
export interface EmailEdit {
  step: CampaignStep;
  subject?: string;
  html?: string;
  text?: string;
}

export interface ReviewEdits {
  /** prd_review: PRD fields to replace (top-level keys of the PRD schema); later steps read them. */
  prd?: Partial<Prd>;
  /** prd_review: the reviewer's own prd.md, stored in place of the rendered one. */
  prd_markdown?: string;
  /** campaign_review: replacements for the emails' subject, HTML or text. */
  emails?: EmailEdit[];
}

export type ReviewDecision =
  | { decision: "approve"; comment?: string }
  | { decision: "edit"; comment?: string; edits: ReviewEdits }
  | { decision: "send_back"; comment: string };

/** A problem with an edit, named by its path in the decision (e.g. `edits.emails[0].html`). */
export class ReviewEditError extends Error {
  override readonly name = "ReviewEditError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
  }
}

/** Parses `AGENCY_REVIEW_GATES`-style lists: a comma list of gate ids, or "none". */
export function parseReviewGates(raw: string | undefined, name = "AGENCY_REVIEW_GATES"): ReviewGate[] {
  if (raw === undefined) return [...REVIEW_GATE_NAMES];
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0 || (items.length === 1 && items[0] === "none")) return [];
  const unknown = items.filter((i) => !(REVIEW_GATE_NAMES as string[]).includes(i));
  if (unknown.length) {
    throw new Error(
      `${name} lists unknown gate(s) ${unknown.join(", ")}; use a comma list of ${REVIEW_GATE_NAMES.join(", ")}, or "none"`,
    );
  }
  return [...new Set(items)] as ReviewGate[];
}
