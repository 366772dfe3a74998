/**
 * Every request body (and query) the API accepts, as the zod schemas it validates with: the
 * orchestrator parses with them, the portal checks its forms with them, and the OpenAPI document
 * is generated from them. Messages read after the field name ("email must be a valid email address").
 */
import { z } from "zod";
import { DEFAULT_WORKFLOW, WORKFLOWS, emailField } from "./intake.ts";

export * from "./intake.ts";

const unknownKeys = (message: string) => ({
  error: (issue: { code: string }) => (issue.code === "unrecognized_keys" ? message : undefined),
});
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
/** Refinements that run even when a field already failed, so one answer names every bad field. */
const always = { when: (payload: { value: unknown }) => isObject(payload.value) };

// Runs ------------------------------------------------------------------------------------------

export const workflowRequest = z
  .object({
    workflow: z
      .enum(WORKFLOWS, { error: `must be one of: ${WORKFLOWS.join(", ")}` })
      .default(DEFAULT_WORKFLOW),
  })
  .meta({ id: "WorkflowRequest", description: "Defaults to proto_v1, the only workflow." });

export const DECISIONS = ["approve", "edit", "send_back"] as const;
export type Decision = (typeof DECISIONS)[number];

/** What a reviewer may change; the gate checks each field against the run (agents' applyReviewEdits). */
const reviewEdits = z
  .looseObject(
    {
      prd: z
        .record(z.string(), z.unknown(), { error: "must be an object of PRD fields" })
        .optional()
        .meta({ description: "PRD fields, at prd_review." }),
      prd_markdown: z
        .string({ error: "must be non-empty Markdown text" })
        .optional()
        .meta({ description: "The PRD's Markdown, at prd_review." }),
      emails: z
        .array(
          z.looseObject({
            step: z.string(),
            subject: z.string().optional(),
            html: z.string().optional(),
            text: z.string().optional(),
          }),
          { error: "must be a non-empty array of { step, subject?, html?, text? }" },
        )
        .optional()
        .meta({ description: "Campaign emails by step, at campaign_review." }),
    },
    { error: "must be an object such as { prd: {...} } or { emails: [...] }" },
  )
  .meta({ description: "Only with decision edit: PRD fields at prd_review, emails at campaign_review." });

export const reviewRequest = z
  .strictObject(
    {
      decision: z.enum(DECISIONS, { error: `must be one of: ${DECISIONS.join(", ")}` }),
      comment: z
        .string({ error: "must be text of at most 4000 characters" })
        .max(4000, { error: "must be text of at most 4000 characters" })
        .transform((c) => c.trim() || undefined)
        .optional()
        .meta({ description: "Required with send_back: what to change." }),
      reviewer: z
        .string({ error: "must be a name of 1 to 200 characters" })
        .trim()
        .regex(/^.{1,200}$/, { error: "must be a name of 1 to 200 characters" })
        .default("operator")
        .meta({ description: "Defaults to operator." }),
      edits: reviewEdits.optional(),
    },
    unknownKeys("is not a field of a review (decision, comment, edits, reviewer)"),
  )
  .superRefine((review, ctx) => {
    const raw = review as Record<string, unknown>;
    const comment = typeof raw.comment === "string" ? raw.comment.trim() : raw.comment;
    if (raw.decision === "send_back" && (comment === undefined || comment === "")) {
      ctx.addIssue({
        code: "custom",
        path: ["comment"],
        message: "is required to send a step back: say what to change",
      });
    }
    if (raw.decision === "edit" && raw.edits === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["edits"],
        message: "is required with decision edit: an object such as { prd: {...} } or { emails: [...] }",
      });
    }
    const decided = (DECISIONS as readonly unknown[]).includes(raw.decision);
    if (decided && raw.decision !== "edit" && raw.edits !== undefined) {
      ctx.addIssue({ code: "custom", path: ["edits"], message: "is only accepted with decision edit" });
    }
  }, always)
  .meta({ id: "ReviewRequest" });
export type ReviewRequest = z.output<typeof reviewRequest>;

// Content ---------------------------------------------------------------------------------------

export const PLATFORMS = ["x", "linkedin", "instagram", "youtube"] as const;
export type Platform = (typeof PLATFORMS)[number];
/** The longest delay of a post after start_at: 90 days. */
export const MAX_OFFSET_MINUTES = 60 * 24 * 90;

/** A date as `new Date()` reads it; empty means "not given". */
const dateText = (message: string) =>
  z
    .union([z.string(), z.number()], { error: message })
    .refine((v) => v === "" || !Number.isNaN(new Date(String(v)).getTime()), { error: message });

const platformsMessage = `must be a non-empty list of: ${PLATFORMS.join(", ")}`;
const offsetsMessage = `must map ${PLATFORMS.join(", ")} to whole minutes from 0 to ${MAX_OFFSET_MINUTES}`;

export const scheduleOptions = z.object({
  platforms: z
    .array(z.enum(PLATFORMS, { error: platformsMessage }), { error: platformsMessage })
    .min(1, { error: platformsMessage })
    .transform((p) => [...new Set(p)])
    .optional(),
  start_at: dateText("must be an ISO 8601 date")
    .nullable()
    .optional()
    .meta({ description: "When the first post may go out. Defaults to now." }),
  offsets_minutes: z
    .partialRecord(
      z.enum(PLATFORMS, { error: offsetsMessage }),
      z
        .int({ error: offsetsMessage })
        .min(0, { error: offsetsMessage })
        .max(MAX_OFFSET_MINUTES, { error: offsetsMessage }),
      { error: offsetsMessage },
    )
    .optional()
    .meta({ description: "Minutes after start_at per platform." }),
});

/** Media for the posts: public https URLs (Instagram fetches them itself) and a project's explainer. */
const httpsUrl = z.string({ error: "must be a public https URL" }).refine(
  (v) => {
    try {
      return new URL(v).protocol === "https:";
    } catch {
      return false;
    }
  },
  { error: "must be a public https URL" },
);
export const mediaOptions = z.object({
  video_url: httpsUrl.nullable().optional(),
  image_url: httpsUrl.nullable().optional(),
  project_id: z
    .uuid({ error: "must be a UUID" })
    .nullable()
    .optional()
    .meta({ description: "A project whose explainer MP4 goes with the posts." }),
});

const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** An absolute http(s) URL, or undefined. */
export function httpUrlOf(value: unknown): string | undefined {
  try {
    const url = new URL(str(value) ?? "");
    if (url.protocol === "http:" || url.protocol === "https:") return url.toString();
  } catch {
    // not a URL
  }
  return undefined;
}

/** Which CMS sent the event: `source`, else a `page` object is Wagtail's and `content` is MDX. */
export function publishSourceOf(body: Record<string, unknown>): "mdx" | "wagtail" | undefined {
  const source =
    str(body.source) ?? (isObject(body.page) ? "wagtail" : "content" in body ? "mdx" : undefined);
  return source === "mdx" || source === "wagtail" ? source : undefined;
}

const mdxFields = {
  source: z.string().optional().meta({ description: '"mdx", or leave it out and send content.' }),
  slug: z.string().optional().meta({ description: "Required here or in the frontmatter." }),
  url: z.string().optional().meta({ description: "The piece's absolute URL; or frontmatter url." }),
  content: z.string().optional().meta({ description: "The MDX source; frontmatter may head it." }),
  frontmatter: z
    .looseObject({
      title: z.string().optional(),
      description: z.string().optional(),
      tags: z.union([z.array(z.string()), z.string()]).optional(),
      date: z.union([z.string(), z.number()]).optional(),
    })
    .optional()
    .meta({ description: "Overrides the head of content; title is required in one of them." }),
  published_at: z.string().optional(),
};
const wagtailPage = z
  .looseObject({
    id: z.union([z.number(), z.string()]).optional(),
    title: z.string().optional(),
    url: z.string().optional(),
    meta: z
      .looseObject({
        slug: z.string().optional(),
        html_url: z.string().optional(),
        first_published_at: z.string().optional(),
        last_published_at: z.string().optional(),
        search_description: z.string().optional(),
      })
      .optional(),
    body: z.unknown().optional().meta({ description: "StreamField blocks or HTML." }),
    tags: z.array(z.union([z.string(), z.looseObject({ name: z.string() })])).optional(),
  })
  .meta({ description: "A Wagtail API v2 page." });

/**
 * POST /v1/content and the CMS webhook: a publish event, MDX (`{ source: "mdx", slug, url,
 * content, frontmatter? }`) or a Wagtail API v2 page (`{ source: "wagtail", page }`), with the
 * optional schedule and media fields. The fields' types; what each CMS must send (a title may sit
 * in the front matter) and that the piece has text are the orchestrator's refinements.
 */
export const publishRequest = z
  .looseObject({
    ...mdxFields,
    page: wagtailPage.optional(),
    ...scheduleOptions.shape,
    ...mediaOptions.shape,
  })
  .meta({ id: "PublishRequest", description: "A CMS publish event: MDX or a Wagtail API v2 page." });
export type PublishRequest = z.output<typeof publishRequest>;

export const resolvePostRequest = z
  .object({
    external_id: z
      .string({ error: "must be the post's id on the platform" })
      .trim()
      .max(200, { error: "must be at most 200 characters" })
      .optional(),
    requeue: z.boolean({ error: "must be true or false" }).optional(),
  })
  .superRefine((body, ctx) => {
    const raw = body as Record<string, unknown>;
    const externalId = typeof raw.external_id === "string" ? raw.external_id.trim() : "";
    const requeue = raw.requeue === true;
    if (externalId === "" && !requeue && (raw.external_id === undefined || externalId === "")) {
      ctx.addIssue({ code: "custom", path: ["external_id"], message: "or requeue: true is required" });
    }
    if (externalId && requeue) {
      ctx.addIssue({ code: "custom", path: ["requeue"], message: "cannot go with external_id" });
    }
  }, always)
  .meta({
    id: "ResolvePostRequest",
    description: "external_id (the post is on the platform) or requeue: true (post it again).",
  });

export const unsubscribeRequest = z
  .union([z.strictObject({ project_id: z.uuid() }), z.strictObject({ token: z.string().min(1) })])
  .meta({ id: "UnsubscribeRequest" });

// Webhooks --------------------------------------------------------------------------------------

export const alertmanagerRequest = z
  .looseObject({
    version: z.string().optional(),
    groupKey: z.string({ error: "must be Alertmanager's group key" }),
    status: z.string({ error: "must be firing or resolved" }),
    alerts: z.array(z.looseObject({}), { error: "must be the list of alerts" }),
  })
  .meta({ id: "AlertmanagerNotification", description: "Alertmanager's webhook body (version 4)." });

export const agentEventRequest = z
  .unknown()
  .meta({ id: "AgentEvent", description: "Any JSON; recorded as received." });

// Portal sign-in --------------------------------------------------------------------------------

/** Only a path of the portal itself: an open redirect would turn the sign-in email into phishing. */
const portalPath = z
  .string({ error: "must be a string" })
  .max(500, { error: "must be at most 500 characters" })
  .refine(
    (p) => /^\/portal(\/[\w\-./]*)?(\?[\w\-=&%.]*)?$/.test(p) && !p.includes("//") && !p.includes(".."),
    { error: "must be a path under /portal, such as /portal/projects/<id>" },
  );

export const magicLinkRequest = z
  .strictObject(
    { email: emailField, redirect: portalPath.optional() },
    unknownKeys("is not a field of this request"),
  )
  .meta({ id: "MagicLinkRequest" });

export const sessionRequest = z
  .strictObject({
    token: z.string({ error: "is required" }).regex(/^[\w-]{20,100}$/, { error: "is not a sign-in token" }),
  })
  .meta({ id: "SessionRequest" });

/** The client a portal request acts for (`?email=`). */
export const clientEmailQuery = z.object({ email: emailField });

// Operator sign-in (the ops console) ------------------------------------------------------------

/** Attempts one operator name may make from one address per window. */
export const ATTEMPTS_PER_NAME_AND_ADDRESS = 5;
/** Attempts one address may make per window, over all names. */
export const ATTEMPTS_PER_ADDRESS = 20;
export const ATTEMPT_WINDOW_SECONDS = 15 * 60;
/** The longest session the API opens, the portal's operator cookie lifetime. */
export const MAX_SESSION_SECONDS = 12 * 3600;

const operatorName = z
  .string({ error: "is required" })
  .trim()
  .min(1, { error: "is required" })
  .max(64, { error: "must be at most 64 characters" })
  .refine((n) => ![...n].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), {
    error: "must not contain control characters",
  });
// The client's address as the portal saw it behind the proxy (adapter-node's ADDRESS_HEADER).
const clientAddress = z
  .string({ error: "is required" })
  .regex(/^[0-9A-Za-z:.%_-]{2,64}$/, { error: "must be an IPv4 or IPv6 address" });

export const operatorAttemptRequest = z
  .strictObject({ name: operatorName, address: clientAddress }, unknownKeys("is not a field"))
  .meta({ id: "OperatorAttemptRequest" });
export const operatorSessionRequest = z
  .strictObject(
    {
      operator: operatorName,
      address: clientAddress,
      ttl_seconds: z
        .number({ error: "must be a number of seconds" })
        .int({ error: "must be a whole number" })
        .min(60, { error: "must be at least 60" })
        .max(MAX_SESSION_SECONDS, { error: `must be at most ${MAX_SESSION_SECONDS}` })
        .optional(),
    },
    unknownKeys("is not a field"),
  )
  .meta({ id: "OperatorSessionRequest" });

// Queries ---------------------------------------------------------------------------------------

export const RUN_STATES = [
  "queued",
  "running",
  "awaiting_review",
  "completed",
  "failed",
  "budget_exceeded",
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A whole number as a query string gives it (`?limit=20`), within bounds; `fallback` when absent. */
const queryInt = (fallback: number, min: number, max: number, message: string) =>
  z.preprocess(
    (v) => (v === undefined ? fallback : Number(v)),
    z.int({ error: message }).min(min, { error: message }).max(max, { error: message }),
  );

export const pageQuery = z.object({
  limit: queryInt(50, 1, 500, "must be a whole number from 1 to 500"),
  offset: queryInt(0, 0, Number.MAX_SAFE_INTEGER, "must be a whole number of at least 0"),
});

export const runsQuery = pageQuery.extend({
  status: z.enum(RUN_STATES, { error: `must be one of: ${RUN_STATES.join(", ")}` }).optional(),
});

/** An Idempotency-Key header: 1 to 255 visible ASCII characters. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, { error: "must be 1 to 255 visible ASCII characters" })
  .optional();
