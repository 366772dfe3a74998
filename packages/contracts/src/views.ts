/**
 * What the API answers with, as zod schemas (for the OpenAPI document and for tests that read an
 * answer) and the types derived from them (for the portal, which shows them). Objects are not
 * strict: the document allows more fields (its schemas are the input side), so a field the API
 * adds later breaks no reader.
 */
import { z } from "zod";
import { DECISIONS, RUN_STATES } from "./requests.ts";

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
const nullableTime = isoTime.nullable();

export const STEP_STATES = ["pending", "running", "completed", "failed", "skipped"] as const;
export type StepState = (typeof STEP_STATES)[number];
export type { RunState } from "./requests.ts";

export const sector = z.object({ id: z.string(), name: z.string(), description: z.string() });
export type Sector = z.infer<typeof sector>;
export const sectorsResponse = z.object({ sectors: z.array(sector) }).meta({ id: "Sectors" });

export const intakeAccepted = z
  .object({
    lead_id: uuid,
    project_id: uuid,
    run_id: uuid,
    status: z.literal("queued"),
    status_url: z.string(),
    events_url: z.string(),
  })
  .meta({ id: "IntakeAccepted" });
export type IntakeAccepted = z.infer<typeof intakeAccepted>;

export const stepView = z.object({
  step: z.string(),
  status: z.enum(STEP_STATES),
  started_at: nullableTime,
  finished_at: nullableTime,
  error: z.string().nullable(),
});
export type StepView = z.infer<typeof stepView>;

export const artifactView = z.object({
  id: uuid,
  step: z.string(),
  kind: z.string(),
  name: z.string(),
  content_type: z.string(),
  size_bytes: z.number(),
  offline_draft: z.boolean(),
});
export type Artifact = z.infer<typeof artifactView>;

const reviewArtifact = z.object({ id: uuid.nullable(), name: z.string(), kind: z.string().nullable() });

export const reviewView = z.object({
  id: uuid,
  gate: z.string(),
  step: z.string(),
  artifacts: z.array(reviewArtifact),
  requested_at: isoTime,
  decision: z.enum(DECISIONS).nullable(),
  comment: z.string().nullable(),
  reviewer: z.string().nullable(),
  decided_at: nullableTime,
});
export type ReviewView = z.infer<typeof reviewView>;

/** The review gate a run waits at, when it is `awaiting_review`. */
export const openReview = reviewView.pick({
  id: true,
  gate: true,
  step: true,
  artifacts: true,
  requested_at: true,
});

export const costView = z.object({
  total_usd: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  by_step: z.array(
    z.object({
      step: z.string(),
      provider: z.string(),
      model: z.string(),
      calls: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      cost_usd: z.number(),
    }),
  ),
});
export type CostView = z.infer<typeof costView>;

/** The quality report the pipeline writes (agents/src/quality/report.ts), as the API answers it. */
export const qualityReport = z.object({
  draftingModel: z.string(),
  passed: z.boolean(),
  gatesPassed: z.number(),
  gatesTotal: z.number(),
  score: z.number(),
  artifacts: z.array(
    z.object({
      artifact: z.string(),
      passed: z.boolean(),
      score: z.number(),
      rubric: z.record(z.string(), z.number()).optional(),
      notes: z.array(z.string()).optional(),
      gates: z.array(z.object({ id: z.string(), passed: z.boolean(), reason: z.string() })),
    }),
  ),
});
export type QualityReport = z.infer<typeof qualityReport>;

export const runView = z
  .object({
    id: uuid,
    project_id: uuid,
    workflow: z.string(),
    status: z.enum(RUN_STATES),
    error: z.string().nullable(),
    attempts: z.int(),
    created_at: isoTime,
    started_at: nullableTime,
    finished_at: nullableTime,
    lead_ready_at: nullableTime,
    steps: z.array(stepView),
    artifacts: z.array(artifactView),
    review: openReview.nullable(),
    /** Every decision at a review gate, oldest first. */
    reviews: z.array(reviewView),
    cost: costView,
    quality: qualityReport.nullable().meta({ description: "Once the run has been checked." }),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof runView>;

export const runAccepted = z
  .looseObject({ run_id: uuid, status_url: z.string() })
  .meta({ id: "RunAccepted", description: "The run is queued; follow status_url." });

export const assetLink = z
  .object({
    id: uuid,
    name: z.string(),
    content_type: z.string(),
    url: z.url().meta({ description: "Signed; works for expires_in seconds." }),
    expires_in: z.int(),
  })
  .meta({ id: "AssetLink" });

export const listResponse = (key: string, id: string) =>
  z.object({ [key]: z.array(z.looseObject({})) }).meta({ id });

const projectRun = z.object({
  id: uuid,
  workflow: z.string(),
  status: z.enum(RUN_STATES),
  error: z.string().nullable(),
  created_at: z.string(),
});

export const projectView = z
  .object({
    id: uuid,
    sector: z.string(),
    idea: z.string(),
    goals: z.string().nullable(),
    budget: z.string().nullable(),
    timeline: z.string().nullable(),
    created_at: z.string(),
    lead: z.object({
      id: uuid,
      email: z.string(),
      name: z.string().nullable(),
      company: z.string().nullable(),
    }),
    runs: z.array(projectRun),
    campaigns: z.array(z.object({ id: uuid, run_id: uuid, status: z.string() })),
  })
  .meta({ id: "Project" });
export type Project = z.infer<typeof projectView>;

export const campaignEmailState = z.object({
  id: uuid,
  step: z.string(),
  position: z.number(),
  subject: z.string(),
  preheader: z.string(),
  status: z.string(),
  send_after: z.string(),
  sent_at: z.string().nullable(),
  error: z.string().nullable(),
});
export type CampaignEmailState = z.infer<typeof campaignEmailState>;

/** A project as its client sees it in the portal: its latest run and its campaign's emails. */
export const clientProjectView = projectView
  .extend({ latest_run: runView.nullable(), emails: z.array(campaignEmailState) })
  .meta({ id: "ClientProject" });
export type ClientProject = z.infer<typeof clientProjectView>;

export const projectSummary = z.object({
  id: uuid,
  sector: z.string(),
  idea: z.string(),
  created_at: z.string(),
  latest_run: z
    .object({
      id: uuid,
      status: z.enum(RUN_STATES),
      created_at: z.string(),
      finished_at: z.string().nullable(),
    })
    .nullable(),
});
export type ProjectSummary = z.infer<typeof projectSummary>;
export const clientProjectsResponse = z
  .object({ projects: z.array(projectSummary) })
  .meta({ id: "ClientProjects" });

export const outboxResponse = z
  .object({ provider: z.string(), messages: z.array(z.object({})) })
  .meta({ id: "Outbox" });

export const received = z
  .looseObject({ received: z.literal(true) })
  .meta({ id: "Received", description: "Recorded; signed webhooks also echo source and event." });

export const contentResponse = z
  .looseObject({ id: uuid, title: z.string(), summary: z.string(), posts: z.array(z.looseObject({})) })
  .meta({ id: "Content" });

export const magicLinkRequested = z
  .object({
    expires_at: isoTime.meta({ description: "The same answer whether or not the address is known." }),
  })
  .meta({ id: "MagicLinkRequested" });
export type MagicLinkRequested = z.infer<typeof magicLinkRequested>;

export const portalSession = z
  .object({ email: z.email(), redirect: z.string() })
  .meta({ id: "PortalSession", description: "Whom the link signs in; the portal keeps its own session." });
export type PortalSession = z.infer<typeof portalSession>;

export const operatorSession = z
  .object({ id: uuid, operator: z.string(), expires_at: z.string() })
  .meta({ id: "OperatorSession", description: "An operator's session in the ops console." });
export type OperatorSession = z.infer<typeof operatorSession>;

const dependencyState = z.enum(["up", "down"]);
export const healthResponse = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    version: z.string(),
    dependencies: z
      .record(z.string(), dependencyState)
      .meta({ description: "database, redis (or queue with the in-process queue), storage." }),
    details: z
      .record(
        z.string(),
        z.object({ status: dependencyState, latency_ms: z.number(), error: z.string().optional() }),
      )
      .optional()
      .meta({ description: "Only with the operator token: each dependency's latency and error." }),
  })
  .meta({ id: "Health" });
/** GET /health; `details` comes only with the operator token, which the portal's server sends. */
export type Health = z.infer<typeof healthResponse>;

export const looseObject = z.looseObject({});
