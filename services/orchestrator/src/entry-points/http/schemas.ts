/**
 * The API's request and response shapes as zod schemas, for its OpenAPI document (openapi.ts).
 * The intake and the portal's sign-in are validated by these very schemas (business-logic); the
 * other routes validate by hand today, and their bodies are described here as they accept them.
 * A route's validation stays where it is: this module only describes.
 */
import { z } from "zod";
import { listSectors } from "@roboagency/agents";
import { PLATFORMS } from "../../business-logic/content-adaptation.ts";
import { intakeSchema } from "../../business-logic/intake.ts";
import { magicLinkRequest, sessionRequest } from "../../business-logic/portal-auth.ts";

const uuid = z.uuid();
const isoTime = z.iso.datetime({ offset: true });
const nullableTime = isoTime.nullable();

export const RUN_STATES = [
  "queued",
  "running",
  "awaiting_review",
  "completed",
  "failed",
  "budget_exceeded",
] as const;

export const errorBody = z
  .object({
    error: z.string().meta({ description: "A stable code such as invalid_request or not_found." }),
    message: z.string(),
    fields: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "Each bad field with what is wrong with it." }),
    request_id: z.string(),
  })
  .meta({ id: "Error" });

// Requests --------------------------------------------------------------------------------------

/** The intake exactly as POST /v1/intake validates it (default idea limit). */
export const intakeRequest = intakeSchema(4000).meta({ id: "IntakeRequest" });

export const workflowRequest = z
  .strictObject({ workflow: z.literal("proto_v1").optional() })
  .meta({ id: "WorkflowRequest", description: "Defaults to proto_v1, the only workflow." });

export const reviewRequest = z
  .strictObject({
    decision: z.enum(["approve", "edit", "send_back"]),
    comment: z
      .string()
      .max(4000)
      .optional()
      .meta({ description: "Required with send_back: what to change." }),
    reviewer: z.string().min(1).max(200).optional().meta({ description: "Defaults to operator." }),
    edits: z
      .union([
        z.object({ prd: z.record(z.string(), z.unknown()).optional(), prd_markdown: z.string().optional() }),
        z.object({
          emails: z.array(
            z.object({
              step: z.string(),
              subject: z.string().optional(),
              html: z.string().optional(),
              text: z.string().optional(),
            }),
          ),
        }),
      ])
      .optional()
      .meta({ description: "Only with decision edit: PRD fields at prd_review, emails at campaign_review." }),
  })
  .meta({ id: "ReviewRequest" });

const scheduleOptions = {
  platforms: z.array(z.enum(PLATFORMS)).min(1).optional(),
  start_at: isoTime.optional().meta({ description: "When the first post may go out. Defaults to now." }),
  offsets_minutes: z
    .partialRecord(z.enum(PLATFORMS), z.int().min(0).max(129600))
    .optional()
    .meta({ description: "Minutes after start_at per platform." }),
};

export const publishRequest = z
  .union([
    z.object({
      source: z.literal("mdx").optional(),
      slug: z.string().min(1),
      url: z.url(),
      content: z.string().min(1).meta({ description: "The MDX source; frontmatter may head it." }),
      frontmatter: z
        .looseObject({
          title: z.string().min(1),
          description: z.string().optional(),
          tags: z.array(z.string()).optional(),
          date: z.string().optional(),
        })
        .optional(),
      ...scheduleOptions,
    }),
    z.object({
      source: z.literal("wagtail").optional(),
      page: z.looseObject({
        id: z.union([z.int(), z.string().min(1)]),
        title: z.string().min(1),
        meta: z.looseObject({
          slug: z.string().optional(),
          html_url: z.url(),
          first_published_at: z.string().optional(),
          search_description: z.string().optional(),
        }),
        body: z.unknown().meta({ description: "StreamField blocks or HTML." }),
        tags: z.array(z.string()).optional(),
      }),
      ...scheduleOptions,
    }),
  ])
  .meta({ id: "PublishRequest", description: "A CMS publish event: MDX or a Wagtail API v2 page." });

export const unsubscribeRequest = z
  .union([z.strictObject({ project_id: uuid }), z.strictObject({ token: z.string().min(1) })])
  .meta({ id: "UnsubscribeRequest" });

export const alertmanagerRequest = z
  .looseObject({
    version: z.string().optional(),
    groupKey: z.string(),
    status: z.string(),
    alerts: z.array(z.looseObject({})),
  })
  .meta({ id: "AlertmanagerNotification", description: "Alertmanager's webhook body (version 4)." });

export const agentEventRequest = z
  .unknown()
  .meta({ id: "AgentEvent", description: "Any JSON; recorded as received." });

export const magicLinkBody = magicLinkRequest.meta({ id: "MagicLinkRequest" });
export const sessionBody = sessionRequest.meta({ id: "SessionRequest" });

// Responses -------------------------------------------------------------------------------------

export const sectorsResponse = z
  .object({ sectors: z.array(z.object({ id: z.string(), name: z.string(), description: z.string() })) })
  .meta({ id: "Sectors" });

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

const usage = z.looseObject({});

export const runStatus = z
  .looseObject({
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
    steps: z.array(
      z.object({
        step: z.string(),
        status: z.string(),
        started_at: nullableTime,
        finished_at: nullableTime,
        error: z.string().nullable(),
      }),
    ),
    artifacts: z.array(
      z.looseObject({
        id: uuid,
        step: z.string(),
        kind: z.string(),
        name: z.string(),
        content_type: z.string(),
        size_bytes: z.number(),
      }),
    ),
    review: z.looseObject({ id: uuid, gate: z.string(), step: z.string() }).nullable(),
    reviews: z.array(z.looseObject({})),
    cost: usage,
    quality: z.unknown(),
  })
  .meta({ id: "Run" });

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

export const projectResponse = z
  .looseObject({ id: uuid, lead: z.looseObject({ email: z.string() }), runs: z.array(z.looseObject({})) })
  .meta({ id: "Project" });

export const outboxResponse = z
  .object({ provider: z.string(), messages: z.array(z.looseObject({})) })
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

export const portalSession = z
  .object({ email: z.email(), redirect: z.string() })
  .meta({ id: "PortalSession", description: "Whom the link signs in; the portal keeps its own session." });

export const healthResponse = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]),
    version: z.string(),
    dependencies: z
      .record(z.string(), z.enum(["up", "down"]))
      .meta({ description: "database, redis (or queue with the in-process queue), storage." }),
    details: z
      .record(
        z.string(),
        z.object({ status: z.enum(["up", "down"]), latency_ms: z.number(), error: z.string().optional() }),
      )
      .optional()
      .meta({ description: "Only with the operator token: each dependency's latency and error." }),
  })
  .meta({ id: "Health" });

export const looseObject = z.looseObject({});

/**
 * What the JSON Schema of an input cannot say by itself: the intake's email is checked after
 * trimming (a pipe, whose input side is a plain string) and its sector by a refinement.
 */
export function documentedExtras(id: string, schema: Record<string, unknown>): Record<string, unknown> {
  if (id !== "IntakeRequest") return schema;
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  return {
    ...schema,
    properties: {
      ...properties,
      email: { ...properties.email, format: "email" },
      sector: {
        ...properties.sector,
        enum: listSectors().map((x) => x.id),
        description: "See GET /v1/sectors.",
      },
    },
  };
}
