/**
 * Every route the API serves, with the contracts' schema of what it accepts and answers: the
 * OpenAPI document (openapi.ts) is generated from this list, and openapi.test.ts checks the list
 * against the Express router.
 */
import * as c from "@roboagency/contracts";
import { INTAKE_EXAMPLE, RUN_STATES, errorBody } from "@roboagency/contracts";
import { listSectors } from "@roboagency/agents";
import { z } from "zod";

/** Who may call an operation; each maps to the security of the document. */
export type Auth = "public" | "operator" | "portal" | "signed";

interface Body {
  schema: z.core.$ZodType;
  example?: unknown;
  contentType?: string;
}

export interface Operation {
  method: "get" | "post" | "delete";
  /** OpenAPI path: `{name}` for a parameter; a trailing one may span segments (`files/{name}`). */
  path: string;
  auth: Auth;
  tag: string;
  summary: string;
  description?: string;
  query?: Record<string, { schema: z.core.$ZodType; description: string; required?: boolean }>;
  headers?: Record<string, { schema: z.core.$ZodType; description: string }>;
  body?: Body;
  responses: Record<number, { description: string } & Partial<Body>>;
}

/** The intake exactly as POST /v1/intake validates it (default idea limit), with the agents' sectors. */
export const intakeRequest = c
  .intakeSchema(
    listSectors().map((x) => x.id),
    c.IDEA_MAX_CHARS,
  )
  .register(z.globalRegistry, { id: "IntakeRequest" });

const json = (schema: z.core.$ZodType, example?: unknown): Body => ({ schema, example });
const error = (description: string) => ({ description, ...json(errorBody) });
const notFoundResponse = error("Unknown id (or another client's, for the portal).");
const invalid = error("A bad field, named in `fields`.");
const unauthorized = error("Missing or wrong token.");
const page = {
  limit: { schema: z.int().min(1).max(500), description: "At most this many (1 to 500). Defaults to 50." },
  offset: { schema: z.int().min(0), description: "Skip this many. Defaults to 0." },
};
const clientEmail = {
  email: {
    schema: z.email(),
    description: "The client the portal acts for (required with the portal token).",
  },
};
const file = (description: string) => ({ description, schema: z.string(), contentType: "*/*" });

/** Every route the API serves. */
export const OPERATIONS: Operation[] = [
  {
    method: "post",
    path: "/v1/intake",
    auth: "public",
    tag: "Intake",
    summary: "Submit an idea: creates the lead, the project and the run",
    headers: {
      "Idempotency-Key": {
        schema: z.string().min(1).max(255),
        description: "A retry with the same key and body answers the first result.",
      },
    },
    body: json(intakeRequest, INTAKE_EXAMPLE),
    responses: {
      202: { description: "Accepted; the run is queued.", ...json(c.intakeAccepted) },
      415: error("The body is not JSON."),
      422: invalid,
      429: error("Too many intakes from this address or today."),
    },
  },
  {
    method: "get",
    path: "/v1/sectors",
    auth: "public",
    tag: "Intake",
    summary: "The sectors the intake accepts",
    responses: { 200: { description: "The sectors.", ...json(c.sectorsResponse) } },
  },
  {
    method: "get",
    path: "/v1/runs/{runId}",
    auth: "public",
    tag: "Runs",
    summary: "A run's status, steps, artifacts, review and cost",
    description:
      "The run id is the capability: whoever has it may read the run. The answer carries a strong `ETag`; with `If-None-Match` and no change since, it is a 304 without a body.",
    responses: {
      200: { description: "The run.", ...json(c.runView) },
      304: { description: "Not modified: the run is as the `If-None-Match` ETag names it." },
      404: notFoundResponse,
    },
  },
  {
    method: "get",
    path: "/v1/runs/{runId}/events",
    auth: "public",
    tag: "Runs",
    summary: "The run, live, as server-sent events",
    description:
      "`event: run` with the run's JSON on every change, then `event: end` once it is finished; heartbeat comments and a `retry` hint. Streams are capped per client address and per process.",
    responses: {
      200: { description: "A text/event-stream.", schema: z.string(), contentType: "text/event-stream" },
      404: notFoundResponse,
      429: error("Too many open streams from this address or on this server; see Retry-After."),
    },
  },
  {
    method: "get",
    path: "/v1/assets/{assetId}",
    auth: "public",
    tag: "Runs",
    summary: "A short-lived signed URL to an artifact",
    responses: { 200: { description: "The signed link.", ...json(c.assetLink) }, 404: notFoundResponse },
  },
  {
    method: "get",
    path: "/v1/assets/local/{key}",
    auth: "public",
    tag: "Runs",
    summary: "An artifact of the local asset folder, by the signed URL GET /v1/assets/{assetId} gave",
    description: "Only without S3 or Supabase Storage. `key` spans segments (docs/<project>/<run>/prd.md).",
    query: {
      expires: { schema: z.string(), description: "Unix seconds.", required: true },
      sig: { schema: z.string(), description: "The URL's signature.", required: true },
    },
    responses: {
      200: file("The artifact."),
      403: error("The link is invalid or has expired."),
      404: notFoundResponse,
    },
  },
  {
    method: "post",
    path: "/v1/unsubscribe",
    auth: "public",
    tag: "Campaigns",
    summary: "Stop warm-up emails (project_id) or the newsletter (token)",
    description: "Also accepts a form post to ?token= (RFC 8058 one-click unsubscribe).",
    body: json(c.unsubscribeRequest, { project_id: "00000000-0000-4000-8000-000000000000" }),
    responses: {
      200: { description: "Unsubscribed.", ...json(c.looseObject) },
      404: notFoundResponse,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/leads",
    auth: "operator",
    tag: "Operators",
    summary: "Leads, newest first",
    query: { ...page, email: { schema: z.string(), description: "Only this address." } },
    responses: {
      200: { description: "Leads.", ...json(c.listResponse("leads", "Leads")) },
      401: unauthorized,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/runs",
    auth: "operator",
    tag: "Operators",
    summary: "Runs, newest first",
    query: { ...page, status: { schema: z.enum(RUN_STATES), description: "Only runs in this state." } },
    responses: {
      200: { description: "Runs.", ...json(c.listResponse("runs", "Runs")) },
      401: unauthorized,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/projects/{projectId}",
    auth: "operator",
    tag: "Operators",
    summary: "A project with its lead and runs",
    responses: {
      200: { description: "The project.", ...json(c.projectView) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "get",
    path: "/v1/projects/{projectId}/emails",
    auth: "operator",
    tag: "Campaigns",
    summary: "The project's campaign emails and their delivery state",
    responses: {
      200: { description: "Emails.", ...json(c.listResponse("emails", "Emails")) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "get",
    path: "/v1/outbox",
    auth: "operator",
    tag: "Operators",
    summary: "Mail the agency sent (or, without Resend, kept in its outbox)",
    query: { to: { schema: z.string(), description: "Only to this address." }, limit: page.limit },
    responses: {
      200: { description: "Messages, newest first.", ...json(c.outboxResponse) },
      401: unauthorized,
    },
  },
  {
    method: "post",
    path: "/v1/workflows/{projectId}",
    auth: "operator",
    tag: "Runs",
    summary: "Start or re-run a project's workflow",
    body: json(c.workflowRequest, { workflow: "proto_v1" }),
    responses: {
      202: { description: "Queued.", ...json(c.runAccepted) },
      401: unauthorized,
      404: notFoundResponse,
      422: invalid,
    },
  },
  {
    method: "post",
    path: "/v1/runs/{runId}/review",
    auth: "operator",
    tag: "Runs",
    summary: "Decide on a run awaiting review",
    body: json(c.reviewRequest, {
      decision: "send_back",
      comment: "Name the clinics' booking system.",
      reviewer: "ops",
    }),
    responses: {
      202: { description: "Recorded; the run resumes.", ...json(c.runAccepted) },
      401: unauthorized,
      404: notFoundResponse,
      409: error("Nothing awaits review."),
      422: invalid,
    },
  },
  {
    method: "post",
    path: "/v1/runs/{runId}/retry",
    auth: "operator",
    tag: "Runs",
    summary: "Resume a failed or budget_exceeded run at the step that stopped it",
    responses: {
      202: { description: "Queued.", ...json(c.runAccepted) },
      401: unauthorized,
      404: notFoundResponse,
      409: error("The run is neither failed nor budget_exceeded."),
    },
  },
  {
    method: "post",
    path: "/v1/campaigns/{campaignId}/emails/{step}/send",
    auth: "operator",
    tag: "Campaigns",
    summary: "Send one warm-up email (asked by n8n); exactly once",
    responses: {
      200: { description: "The email's delivery state.", ...json(c.looseObject) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "post",
    path: "/v1/content",
    auth: "operator",
    tag: "Content",
    summary: "A published piece: summary, keywords and per-platform posts on a schedule",
    body: json(c.publishRequest, {
      source: "mdx",
      slug: "no-shows",
      url: "https://blog.example.com/no-shows",
      content:
        "Clinics lose a tenth of their slots to no-shows. A waitlist that fills them by SMS wins them back.",
      frontmatter: { title: "Filling cancelled slots", tags: ["clinics", "scheduling"] },
      platforms: ["x", "linkedin"],
    }),
    responses: {
      200: { description: "Already published; the stored piece.", ...json(c.contentResponse) },
      201: { description: "Published.", ...json(c.contentResponse) },
      401: unauthorized,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/content/{contentId}",
    auth: "operator",
    tag: "Content",
    summary: "A piece with its posts and their state",
    responses: {
      200: { description: "The piece.", ...json(c.contentResponse) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "post",
    path: "/v1/content/{contentId}/newsletter/send",
    auth: "operator",
    tag: "Content",
    summary: "Send the piece's newsletter once to each subscribed lead",
    responses: {
      200: { description: "What was sent.", ...json(c.looseObject) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "post",
    path: "/v1/content/posts/dispatch",
    auth: "operator",
    tag: "Content",
    summary: "Post whatever is due (called by the content flow on its schedule)",
    responses: { 200: { description: "What was posted.", ...json(c.looseObject) }, 401: unauthorized },
  },
  {
    method: "post",
    path: "/v1/content/posts/{postId}/resolve",
    auth: "operator",
    tag: "Content",
    summary: "Settle a post that needs an operator (its platform could not tell whether it went out)",
    body: json(c.resolvePostRequest, { external_id: "1848392016473829376" }),
    responses: {
      200: {
        description: "The post's new status.",
        ...json(z.object({ id: z.uuid(), status: z.enum(["posted", "scheduled"]) })),
      },
      401: unauthorized,
      404: notFoundResponse,
      409: error("The post is not waiting for an operator."),
      422: invalid,
    },
  },
  {
    method: "post",
    path: "/v1/webhooks/alertmanager",
    auth: "operator",
    tag: "Webhooks",
    summary: "Alertmanager's notifications, recorded",
    body: json(c.alertmanagerRequest, {
      version: "4",
      groupKey: '{}:{alertname="ApiDown"}',
      status: "firing",
      alerts: [],
    }),
    responses: { 202: { description: "Recorded.", ...json(c.received) }, 401: unauthorized, 422: invalid },
  },
  {
    method: "post",
    path: "/v1/webhooks/agent/{event}",
    auth: "signed",
    tag: "Webhooks",
    summary: "An internal agent event, recorded",
    body: json(c.agentEventRequest, { run_id: "00000000-0000-4000-8000-000000000000" }),
    responses: {
      202: { description: "Recorded.", ...json(c.received) },
      401: error("Bad, old or replayed signature."),
      422: invalid,
    },
  },
  {
    method: "post",
    path: "/webhooks/cms/publish",
    auth: "signed",
    tag: "Webhooks",
    summary: "A CMS's publish event (MDX or Wagtail), into the content pipeline",
    body: json(c.publishRequest),
    responses: {
      202: { description: "Recorded and published.", ...json(c.received) },
      401: error("Bad, old or replayed signature."),
      422: invalid,
    },
  },
  {
    method: "post",
    path: "/v1/portal/magic-links",
    auth: "portal",
    tag: "Portal",
    summary: "Email a client a single-use sign-in link",
    description:
      "The answer is the same whether or not the address is a client's. The link's token is the agency's own, or Supabase Auth's when SUPABASE_URL is set.",
    body: json(c.magicLinkRequest, { email: "ada@example.com", redirect: "/portal/projects" }),
    responses: {
      202: { description: "Sent if the address is a client's.", ...json(c.magicLinkRequested) },
      401: unauthorized,
      422: invalid,
      429: error("Too many links for this address."),
      503: error("The sign-in provider cannot be reached."),
    },
  },
  {
    method: "post",
    path: "/v1/portal/sessions",
    auth: "portal",
    tag: "Portal",
    summary: "Use up a sign-in link's token: whom it signs in",
    body: json(c.sessionRequest, { token: "Kp0n7Q8rWm3xYd2v5sLq9tHc4bZa6eJf1gUo8iNy0k" }),
    responses: {
      200: { description: "Signed in.", ...json(c.portalSession) },
      401: error("Unknown, used or expired link (or a wrong token)."),
      422: invalid,
      503: error("The sign-in provider cannot be reached."),
    },
  },
  {
    method: "post",
    path: "/v1/portal/operator-sign-ins",
    auth: "operator",
    tag: "Portal",
    summary: "Count an ops sign-in attempt before the password is checked",
    description:
      "The portal's ops console asks before it runs scrypt; over the limit (per name and address, and per address) it answers 429.",
    body: json(c.operatorAttemptRequest, { name: "alice", address: "203.0.113.7" }),
    responses: {
      200: { description: "The attempt may go ahead.", ...json(z.object({ allowed: z.literal(true) })) },
      401: unauthorized,
      422: invalid,
      429: error("Too many attempts; `Retry-After` says when to try again."),
    },
  },
  {
    method: "post",
    path: "/v1/portal/operator-sessions",
    auth: "operator",
    tag: "Portal",
    summary: "Open an operator session after a good password",
    body: json(c.operatorSessionRequest, { operator: "alice", address: "203.0.113.7", ttl_seconds: 43200 }),
    responses: {
      201: { description: "The session; its id goes in the ops cookie.", ...json(c.operatorSession) },
      401: unauthorized,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/portal/operator-sessions/{sessionId}",
    auth: "operator",
    tag: "Portal",
    summary: "A live operator session",
    responses: {
      200: { description: "The session is open.", ...json(c.operatorSession) },
      401: unauthorized,
      404: error("Unknown, revoked or expired session."),
    },
  },
  {
    method: "delete",
    path: "/v1/portal/operator-sessions/{sessionId}",
    auth: "operator",
    tag: "Portal",
    summary: "Revoke an operator session (sign-out)",
    responses: { 204: { description: "Revoked." }, 401: unauthorized, 404: notFoundResponse },
  },
  {
    method: "get",
    path: "/v1/portal/projects",
    auth: "portal",
    tag: "Portal",
    summary: "A client's projects",
    query: { email: { ...clientEmail.email, required: true } },
    responses: {
      200: { description: "Projects.", ...json(c.clientProjectsResponse) },
      401: unauthorized,
      422: invalid,
    },
  },
  {
    method: "get",
    path: "/v1/portal/projects/{projectId}",
    auth: "portal",
    tag: "Portal",
    summary: "A client's project with its latest run and campaign",
    query: clientEmail,
    responses: {
      200: { description: "The project.", ...json(c.clientProjectView) },
      401: unauthorized,
      404: notFoundResponse,
    },
  },
  {
    method: "get",
    path: "/v1/portal/runs/{runId}/files/{name}",
    auth: "portal",
    tag: "Portal",
    summary: "One artifact of a client's run, by its name in the run (may span segments)",
    query: clientEmail,
    responses: { 200: file("The artifact."), 400: invalid, 401: unauthorized, 404: notFoundResponse },
  },
  {
    method: "get",
    path: "/v1/openapi.json",
    auth: "public",
    tag: "Reference",
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1.", ...json(c.looseObject) } },
  },
  {
    method: "get",
    path: "/v1/docs",
    auth: "public",
    tag: "Reference",
    summary: "This document as a readable page",
    responses: { 200: { description: "HTML.", schema: z.string(), contentType: "text/html" } },
  },
  {
    method: "get",
    path: "/v1/docs/{asset}",
    auth: "public",
    tag: "Reference",
    summary: "The reference page's script and styles",
    responses: { 200: file("The file."), 404: notFoundResponse },
  },
  {
    method: "get",
    path: "/health",
    auth: "public",
    tag: "Infrastructure",
    summary: "Dependency health",
    responses: {
      200: { description: "Healthy: every dependency answers.", ...json(c.healthResponse) },
      503: { description: "Degraded or unhealthy (no database).", ...json(c.healthResponse) },
    },
  },
  {
    method: "get",
    path: "/metrics",
    auth: "public",
    tag: "Infrastructure",
    summary: "Prometheus metrics",
    responses: {
      200: { description: "Prometheus text format.", schema: z.string(), contentType: "text/plain" },
    },
  },
];
