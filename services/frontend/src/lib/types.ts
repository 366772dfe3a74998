/** The shapes the orchestrator API answers with, as the portal reads them (shared with components). */

export type RunState = "queued" | "running" | "awaiting_review" | "completed" | "failed" | "budget_exceeded";
export type StepState = "pending" | "running" | "completed" | "failed" | "skipped";

export interface Sector {
  id: string;
  name: string;
  description: string;
}

export interface Artifact {
  id: string;
  step: string;
  kind: string;
  name: string;
  content_type: string;
  size_bytes: number;
  offline_draft: boolean;
}

export interface Run {
  id: string;
  project_id: string;
  workflow: string;
  status: RunState;
  error: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  lead_ready_at: string | null;
  steps: Array<{
    step: string;
    status: StepState;
    started_at: string | null;
    finished_at: string | null;
    error: string | null;
  }>;
  artifacts: Artifact[];
  /** The review gate the run waits at, when it is `awaiting_review`. */
  review?: { id: string; gate: string; step: string; requested_at: string } | null;
  /** Every decision at a review gate, oldest first. */
  reviews?: Array<{
    id: string;
    gate: string;
    step: string;
    requested_at: string;
    decision: string | null;
    comment: string | null;
    reviewer: string | null;
    decided_at: string | null;
  }>;
}

export interface CampaignEmailState {
  id: string;
  step: string;
  position: number;
  subject: string;
  preheader: string;
  status: string;
  send_after: string;
  sent_at: string | null;
  error: string | null;
}

export interface Project {
  id: string;
  sector: string;
  idea: string;
  goals: string | null;
  budget: string | null;
  timeline: string | null;
  created_at: string;
  lead: { id: string; email: string; name: string | null; company: string | null };
  runs: Array<{ id: string; workflow: string; status: RunState; error: string | null; created_at: string }>;
  campaigns: Array<{ id: string; run_id: string; status: string }>;
}

export interface ClientProject extends Project {
  latest_run: Run | null;
  emails: CampaignEmailState[];
}

export interface ProjectSummary {
  id: string;
  sector: string;
  idea: string;
  created_at: string;
  latest_run: { id: string; status: RunState; created_at: string; finished_at: string | null } | null;
}

export interface IntakeAccepted {
  lead_id: string;
  project_id: string;
  run_id: string;
  status: string;
}

/** GET /health; `details` comes only with the operator token, which the portal's server sends. */
export interface Health {
  status: "healthy" | "degraded" | "unhealthy";
  version: string;
  dependencies: Record<string, "up" | "down">;
  details?: Record<string, { status: "up" | "down"; latency_ms: number; error?: string }>;
}

/** The quality report the pipeline writes (agents/src/quality/report.ts), as the portal shows it. */
export interface QualityReport {
  draftingModel: string;
  passed: boolean;
  gatesPassed: number;
  gatesTotal: number;
  score: number;
  artifacts: Array<{
    artifact: string;
    passed: boolean;
    score: number;
    gates: Array<{ id: string; passed: boolean; reason: string }>;
  }>;
}
