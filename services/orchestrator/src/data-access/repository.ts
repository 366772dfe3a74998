/**
 * Every SQL statement of the orchestrator's own tables. Functions take a `Queryable` so the
 * same statement runs on the pool or inside a transaction.
 */
import type pg from "pg";
import { withTransaction } from "./database.ts";
import { STEP_NAMES, type CampaignStep, type StepName } from "@roboagency/agents";

export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

export type RunState = "queued" | "running" | "awaiting_review" | "completed" | "failed" | "budget_exceeded";
/** Statuses after which nothing more happens unless an operator retries. */
export const TERMINAL_RUN_STATES: readonly RunState[] = ["completed", "failed", "budget_exceeded"];
export type StepState = "pending" | "running" | "completed" | "failed" | "skipped";

/** The channel on which run progress is announced; the payload is the run id. */
export const RUN_CHANNEL = "agency_run";

export interface IntakeRecord {
  email: string;
  name?: string;
  company?: string;
  sector: string;
  idea: string;
  goals?: string;
  budget?: string;
  timeline?: string;
}

export interface StepView {
  step: StepName;
  status: StepState;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
}

export interface ArtifactView {
  id: string;
  step: string;
  kind: string;
  name: string;
  content_type: string;
  size_bytes: number;
  offline_draft: boolean;
}

export interface ReviewView {
  id: string;
  gate: string;
  step: string;
  artifacts: Array<{ id: string | null; name: string; kind: string | null }>;
  requested_at: string;
  decision: "approve" | "edit" | "send_back" | null;
  comment: string | null;
  reviewer: string | null;
  decided_at: string | null;
}

export interface CostView {
  total_usd: number;
  input_tokens: number;
  output_tokens: number;
  by_step: Array<{
    step: string;
    provider: string;
    model: string;
    calls: number;
    input_tokens: number;
    output_tokens: number;
    cost_usd: number;
  }>;
}

export interface RunView {
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
  steps: StepView[];
  artifacts: ArtifactView[];
  /** The stop awaiting a decision, when the run is `awaiting_review`. */
  review: Omit<ReviewView, "decision" | "comment" | "reviewer" | "decided_at"> | null;
  /** Every review of this run, oldest first, with who decided what. */
  reviews: ReviewView[];
  cost: CostView;
  /** indication_okrs' quality report: gates per artifact with reasons, rubric scores. */
  quality: unknown;
}

export async function insertLead(db: Queryable, intake: IntakeRecord): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO leads (email, name, company) VALUES ($1, $2, $3) RETURNING id",
    [intake.email, intake.name ?? null, intake.company ?? null],
  );
  return rows[0]!.id;
}

export async function insertProject(db: Queryable, leadId: string, intake: IntakeRecord): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO projects (lead_id, sector, idea, goals, budget, timeline)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      leadId,
      intake.sector,
      intake.idea,
      intake.goals ?? null,
      intake.budget ?? null,
      intake.timeline ?? null,
    ],
  );
  return rows[0]!.id;
}

/** A new run in `queued` with its eight steps `pending`. */
export async function insertRun(db: Queryable, projectId: string, workflow: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO workflow_runs (project_id, workflow) VALUES ($1, $2) RETURNING id",
    [projectId, workflow],
  );
  const runId = rows[0]!.id;
  await db.query(
    `INSERT INTO run_steps (run_id, step, position)
     SELECT $1, step, position FROM unnest($2::text[]) WITH ORDINALITY AS s(step, position)`,
    [runId, STEP_NAMES],
  );
  return runId;
}

/**
 * The intake's rows in one statement: lead, project, run with its eight `pending` steps, and (with
 * an idempotency key) the stored answer. Ids are chosen by the caller, so the answer is known
 * before the statement runs and nothing has to be read back.
 */
export async function insertIntake(
  db: Queryable,
  input: {
    leadId: string;
    projectId: string;
    runId: string;
    workflow: string;
    intake: IntakeRecord;
    idempotency?: { key: string; requestHash: string; status: number; body: unknown };
  },
): Promise<void> {
  const { intake, idempotency } = input;
  await db.query(
    `WITH lead AS (
       INSERT INTO leads (id, email, name, company) VALUES ($1, $4, $5, $6)
     ), project AS (
       INSERT INTO projects (id, lead_id, sector, idea, goals, budget, timeline)
       VALUES ($2, $1, $7, $8, $9, $10, $11)
     ), run AS (
       INSERT INTO workflow_runs (id, project_id, workflow) VALUES ($3, $2, $12)
     ), steps AS (
       INSERT INTO run_steps (run_id, step, position)
       SELECT $3, step, position FROM unnest($13::text[]) WITH ORDINALITY AS s(step, position)
     )
     INSERT INTO idempotency_keys (key, request_hash, response_status, response_body)
     SELECT $14, $15, $16, $17 WHERE $14::text IS NOT NULL`,
    [
      input.leadId,
      input.projectId,
      input.runId,
      intake.email,
      intake.name ?? null,
      intake.company ?? null,
      intake.sector,
      intake.idea,
      intake.goals ?? null,
      intake.budget ?? null,
      intake.timeline ?? null,
      input.workflow,
      STEP_NAMES,
      idempotency?.key ?? null,
      idempotency?.requestHash ?? null,
      idempotency?.status ?? null,
      idempotency ? JSON.stringify(idempotency.body) : null,
    ],
  );
}

export async function notifyRun(db: Queryable, runId: string): Promise<void> {
  await db.query("SELECT pg_notify($1, $2)", [RUN_CHANNEL, runId]);
}

/** A timestamptz as JavaScript's `toISOString()` writes it (UTC, milliseconds truncated, "Z"). */
const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The run with its steps, artifacts, reviews and cost in one statement, built as JSON by Postgres
 * in the shape of `RunView`. `revision` moves with every change to any of them (triggers of
 * migration 010); when it is one of `knownRevisions` the body is not built (`json` is null).
 */
const RUN_VIEW_SQL = `
WITH rv AS (
  SELECT v.id, v.gate, v.step, v.requested_at, v.decision, v.comment, v.reviewer, v.decided_at,
    (SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', n.name, 'kind', a.kind) ORDER BY n.ord), '[]')
     FROM jsonb_array_elements_text(v.artifacts) WITH ORDINALITY AS n(name, ord)
     LEFT JOIN assets a ON a.run_id = v.run_id AND a.name = n.name) AS artifacts
  FROM run_reviews v WHERE v.run_id = $1
), usage AS (
  SELECT step, provider, model, count(*)::int AS calls, sum(input_tokens)::bigint AS input_tokens,
         sum(output_tokens)::bigint AS output_tokens, sum(cost_usd) AS cost_usd, min(id) AS first_id
  FROM run_usage WHERE run_id = $1 GROUP BY step, provider, model
)
SELECT r.revision::text AS revision,
  CASE WHEN r.revision = ANY($2::bigint[]) THEN NULL ELSE json_build_object(
    'id', r.id, 'project_id', r.project_id, 'workflow', r.workflow, 'status', r.status, 'error', r.error,
    'attempts', r.attempts, 'created_at', ${isoSql("r.created_at")}, 'started_at', ${isoSql("r.started_at")},
    'finished_at', ${isoSql("r.finished_at")}, 'lead_ready_at', ${isoSql("r.lead_ready_at")},
    'steps', (SELECT coalesce(json_agg(json_build_object('step', s.step, 'status', s.status,
                'started_at', ${isoSql("s.started_at")}, 'finished_at', ${isoSql("s.finished_at")}, 'error', s.error)
              ORDER BY s.position), '[]') FROM run_steps s WHERE s.run_id = r.id),
    'artifacts', (SELECT coalesce(json_agg(json_build_object('id', a.id, 'step', a.step, 'kind', a.kind,
                    'name', a.name, 'content_type', a.content_type, 'size_bytes', a.size_bytes,
                    'offline_draft', a.offline_draft) ORDER BY a.created_at, a.name), '[]')
                  FROM assets a WHERE a.run_id = r.id),
    'review', (SELECT json_build_object('id', v.id, 'gate', v.gate, 'step', v.step, 'artifacts', v.artifacts,
                 'requested_at', ${isoSql("v.requested_at")})
               FROM rv v WHERE r.status = 'awaiting_review' AND v.decided_at IS NULL
               ORDER BY v.requested_at DESC, v.id DESC LIMIT 1),
    'reviews', (SELECT coalesce(json_agg(json_build_object('id', v.id, 'gate', v.gate, 'step', v.step,
                  'artifacts', v.artifacts, 'requested_at', ${isoSql("v.requested_at")}, 'decision', v.decision,
                  'comment', v.comment, 'reviewer', v.reviewer, 'decided_at', ${isoSql("v.decided_at")})
                ORDER BY v.requested_at, v.id), '[]') FROM rv v),
    'cost', (SELECT json_build_object('total_usd', coalesce(sum(u.cost_usd), 0)::float8,
               'input_tokens', coalesce(sum(u.input_tokens), 0)::bigint,
               'output_tokens', coalesce(sum(u.output_tokens), 0)::bigint,
               'by_step', coalesce(json_agg(json_build_object('step', u.step, 'provider', u.provider,
                 'model', u.model, 'calls', u.calls, 'input_tokens', u.input_tokens,
                 'output_tokens', u.output_tokens, 'cost_usd', u.cost_usd::float8) ORDER BY u.first_id), '[]'))
             FROM usage u),
    'quality', r.quality
  )::text END AS json
FROM workflow_runs r WHERE r.id = $1`;

/**
 * The run as JSON text (null when its revision is among `knownRevisions`), and its revision; null
 * when there is no such run. One round trip, whatever the run holds.
 */
export async function readRun(
  db: Queryable,
  runId: string,
  knownRevisions: readonly number[] = [],
): Promise<{ revision: number; json: string | null } | null> {
  // Named, so each connection parses and plans the statement once, not on every read.
  const { rows } = await db.query<{ revision: string; json: string | null }>({
    name: "run-view",
    text: RUN_VIEW_SQL,
    values: [runId, knownRevisions],
  });
  const row = rows[0];
  return row ? { revision: Number(row.revision), json: row.json } : null;
}

export async function getRun(db: Queryable, runId: string): Promise<RunView | null> {
  const run = await readRun(db, runId);
  return run ? (JSON.parse(run.json!) as RunView) : null;
}

export async function setRunQuality(db: Queryable, runId: string, reportJson: string): Promise<void> {
  await db.query("UPDATE workflow_runs SET quality = $2::jsonb WHERE id = $1", [runId, reportJson]);
}

/**
 * Claims a run for execution; null when it is not waiting to run (finished, awaiting review, or a
 * duplicate job). Step rows are kept: a resumed run continues from its checkpoint.
 */
export async function beginRun(
  db: Queryable,
  runId: string,
): Promise<{ projectId: string; leadId: string; intake: IntakeRecord } | null> {
  const { rows } = await db.query(
    `UPDATE workflow_runs r SET status = 'running', started_at = coalesce(r.started_at, now()),
            attempts = r.attempts + 1, error = NULL, finished_at = NULL
     FROM projects p JOIN leads l ON l.id = p.lead_id
     WHERE r.id = $1 AND p.id = r.project_id AND r.status IN ('queued', 'running')
     RETURNING p.id AS project_id, l.id AS lead_id, l.email, l.name, l.company,
               p.sector, p.idea, p.goals, p.budget, p.timeline`,
    [runId],
  );
  const row = rows[0];
  if (!row) return null;
  const optional = (v: string | null) => v ?? undefined;
  return {
    projectId: row.project_id,
    leadId: row.lead_id,
    intake: {
      email: row.email,
      name: optional(row.name),
      company: optional(row.company),
      sector: row.sector,
      idea: row.idea,
      goals: optional(row.goals),
      budget: optional(row.budget),
      timeline: optional(row.timeline),
    },
  };
}

/** A run that starts from nothing (no checkpoint yet) starts its steps afresh. */
export async function resetSteps(db: Queryable, runId: string): Promise<void> {
  await db.query(
    `UPDATE run_steps SET status = 'pending', started_at = NULL, finished_at = NULL, error = NULL
     WHERE run_id = $1`,
    [runId],
  );
}

export async function setStep(
  db: Queryable,
  runId: string,
  step: StepName,
  status: StepState,
  at: Date,
  error?: string,
): Promise<void> {
  if (status === "running") {
    await db.query(
      "UPDATE run_steps SET status = 'running', started_at = $3 WHERE run_id = $1 AND step = $2",
      [runId, step, at],
    );
  } else {
    await db.query(
      `UPDATE run_steps SET status = $3, finished_at = $4, error = $5,
              started_at = coalesce(started_at, $4)
       WHERE run_id = $1 AND step = $2`,
      [runId, step, status, at, error ?? null],
    );
  }
}

/**
 * `queued` puts a failed attempt back in line for the queue's retry; `awaiting_review` parks the
 * run until an operator decides.
 */
export async function finishRun(
  db: Queryable,
  runId: string,
  status: "completed" | "failed" | "queued" | "budget_exceeded" | "awaiting_review",
  error?: string,
): Promise<void> {
  await db.query(
    `UPDATE workflow_runs SET status = $2, error = $3,
            finished_at = CASE WHEN $2 IN ('queued', 'awaiting_review') THEN NULL ELSE now() END,
            queued_at = CASE WHEN $2 = 'queued' THEN now() ELSE queued_at END,
            lead_ready_at = CASE WHEN $2 = 'completed' THEN now() ELSE lead_ready_at END
     WHERE id = $1`,
    [runId, status, error ?? null],
  );
}

export interface AssetRecord {
  projectId: string;
  runId: string;
  step: string;
  kind: string;
  name: string;
  contentType: string;
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  offlineDraft: boolean;
}

/** Idempotent on (run, name): a resumed run replaces the row instead of adding one. */
export async function upsertAsset(db: Queryable, a: AssetRecord): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO assets (project_id, run_id, step, kind, name, content_type, storage_key, size_bytes, sha256, offline_draft)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (run_id, name) DO UPDATE SET
       content_type = excluded.content_type, storage_key = excluded.storage_key,
       size_bytes = excluded.size_bytes, sha256 = excluded.sha256, offline_draft = excluded.offline_draft
     RETURNING id`,
    [
      a.projectId,
      a.runId,
      a.step,
      a.kind,
      a.name,
      a.contentType,
      a.storageKey,
      a.sizeBytes,
      a.sha256,
      a.offlineDraft,
    ],
  );
  return rows[0]!.id;
}

export async function getAsset(
  db: Queryable,
  id: string,
): Promise<{ id: string; storage_key: string; content_type: string; name: string } | null> {
  const { rows } = await db.query("SELECT id, storage_key, content_type, name FROM assets WHERE id = $1", [
    id,
  ]);
  return rows[0] ?? null;
}

export async function projectExists(db: Queryable, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM projects WHERE id = $1", [projectId]);
  return rowCount === 1;
}

/** Runs of a project still queued or running: a second start would duplicate their work. */
export async function activeRun(db: Queryable, projectId: string): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM workflow_runs WHERE project_id = $1 AND status IN ('queued', 'running', 'awaiting_review') LIMIT 1",
    [projectId],
  );
  return rows[0]?.id ?? null;
}

/** Runs left queued (for example when the queue was down at submit time), to enqueue again. */
export async function staleQueuedRuns(
  db: Queryable,
  olderThanSeconds: number,
): Promise<Array<{ id: string; queuedAt: number }>> {
  const { rows } = await db.query<{ id: string; queued_at: string }>(
    `SELECT id, floor(extract(epoch FROM coalesce(queued_at, created_at)))::bigint::text AS queued_at FROM workflow_runs
     WHERE status = 'queued' AND coalesce(queued_at, created_at) < now() - make_interval(secs => $1)
     ORDER BY created_at LIMIT 100`,
    [olderThanSeconds],
  );
  return rows.map((r) => ({ id: r.id, queuedAt: Number(r.queued_at) }));
}

export interface Page {
  limit: number;
  offset: number;
}

export async function listLeads(db: Queryable, page: Page, email?: string) {
  const { rows } = await db.query(
    `SELECT l.id, l.email, l.name, l.company, l.created_at,
            coalesce(json_agg(json_build_object('id', p.id, 'sector', p.sector, 'created_at', p.created_at)
                     ORDER BY p.created_at) FILTER (WHERE p.id IS NOT NULL), '[]') AS projects
     FROM leads l LEFT JOIN projects p ON p.lead_id = l.id
     WHERE ($3::text IS NULL OR lower(l.email) = lower($3))
     GROUP BY l.id ORDER BY l.created_at DESC, l.id LIMIT $1 OFFSET $2`,
    [page.limit, page.offset, email ?? null],
  );
  return rows;
}

export async function listRuns(db: Queryable, page: Page, status?: RunState) {
  const { rows } = await db.query(
    `SELECT r.id, r.project_id, r.workflow, r.status, r.error, r.attempts, r.created_at, r.started_at, r.finished_at,
            (SELECT step FROM run_steps s WHERE s.run_id = r.id AND s.status IN ('running', 'failed')
             ORDER BY position LIMIT 1) AS current_step
     FROM workflow_runs r WHERE ($3::text IS NULL OR r.status = $3)
     ORDER BY r.created_at DESC, r.id LIMIT $1 OFFSET $2`,
    [page.limit, page.offset, status ?? null],
  );
  return rows;
}

export async function getProject(db: Queryable, projectId: string) {
  const { rows } = await db.query(
    `SELECT p.id, p.sector, p.idea, p.goals, p.budget, p.timeline, p.created_at, p.updated_at,
            json_build_object('id', l.id, 'email', l.email, 'name', l.name, 'company', l.company) AS lead
     FROM projects p JOIN leads l ON l.id = p.lead_id WHERE p.id = $1`,
    [projectId],
  );
  const project = rows[0];
  if (!project) return null;
  const [runs, assets, campaigns] = await Promise.all([
    db.query(
      `SELECT id, workflow, status, error, created_at, started_at, finished_at
       FROM workflow_runs WHERE project_id = $1 ORDER BY created_at DESC`,
      [projectId],
    ),
    db.query(
      `SELECT id, run_id, step, kind, name, content_type, size_bytes::int AS size_bytes, offline_draft, created_at
       FROM assets WHERE project_id = $1 ORDER BY created_at, name`,
      [projectId],
    ),
    db.query(
      "SELECT id, run_id, status, created_at FROM campaigns WHERE project_id = $1 ORDER BY created_at",
      [projectId],
    ),
  ]);
  return {
    ...project,
    runs: runs.rows,
    assets: assets.rows,
    campaigns: campaigns.rows,
    cost: await costOf(db, "project_id", projectId),
  };
}

export async function listProjectEmails(db: Queryable, projectId: string) {
  const { rows } = await db.query(
    `SELECT id, campaign_id, step, position, to_email, subject, preheader, status, dispatch,
            send_after, sent_at, provider, provider_message_id, error, created_at, updated_at
     FROM campaign_emails WHERE project_id = $1 ORDER BY created_at, position`,
    [projectId],
  );
  return rows;
}

export interface CampaignEmailRecord {
  step: CampaignStep;
  position: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  sendAfter: Date;
}

/**
 * The campaign of a run with its emails. Idempotent per run: a resumed run keeps the
 * delivery state of the first one, so no email is scheduled twice.
 */
export async function insertCampaign(
  db: Queryable,
  input: {
    projectId: string;
    runId: string;
    toEmail: string;
    dispatch: "scheduler" | "automation";
    emails: CampaignEmailRecord[];
  },
): Promise<{ campaignId: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO campaigns (project_id, run_id) VALUES ($1, $2)
     ON CONFLICT (run_id) DO NOTHING RETURNING id`,
    [input.projectId, input.runId],
  );
  if (!inserted.rows[0]) {
    const existing = await db.query<{ id: string }>("SELECT id FROM campaigns WHERE run_id = $1", [
      input.runId,
    ]);
    return { campaignId: existing.rows[0]!.id, created: false };
  }
  const campaignId = inserted.rows[0].id;
  for (const e of input.emails) {
    await db.query(
      `INSERT INTO campaign_emails (campaign_id, project_id, step, position, to_email, subject, preheader,
                                    html, text_body, send_after, dispatch, idempotency_key, status, error)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
              CASE WHEN ${UNSUBSCRIBED} THEN 'suppressed' ELSE 'scheduled' END,
              CASE WHEN ${UNSUBSCRIBED} THEN '${SUPPRESSED_REASON}' END
       FROM (SELECT $5::text AS to_email) e`,
      [
        campaignId,
        input.projectId,
        e.step,
        e.position,
        input.toEmail,
        e.subject,
        e.preheader,
        e.html,
        e.text,
        e.sendAfter,
        input.dispatch,
        `campaign-${campaignId}-${e.step}`,
      ],
    );
  }
  return { campaignId, created: true };
}

export interface OutgoingEmail {
  id: string;
  campaign_id: string;
  project_id: string;
  step: CampaignStep;
  to_email: string;
  subject: string;
  html: string;
  text_body: string;
  idempotency_key: string;
}

const OUTGOING = "id, campaign_id, project_id, step, to_email, subject, html, text_body, idempotency_key";

/** Why a suppressed email was not sent. */
const SUPPRESSED_REASON = "recipient unsubscribed";

/** True, inside a statement over `campaign_emails e`, when e's recipient asked for no more email. */
const UNSUBSCRIBED = `EXISTS (SELECT 1 FROM leads u WHERE lower(u.email) = lower(e.to_email) AND u.unsubscribed_at IS NOT NULL)`;

/**
 * The claim decides, under the row lock, whether an email goes out: an email whose recipient has
 * unsubscribed becomes `suppressed` in the same statement and is not returned. An unsubscribe
 * (see `unsubscribeAddress`) suppresses the claimable rows under the same locks, so the two are
 * ordered by Postgres: an email is either claimed for sending before the unsubscribe, or
 * suppressed; it is never left `sending` for an address that unsubscribed first.
 */
const CLAIM_SET = `status = CASE WHEN ${UNSUBSCRIBED} THEN 'suppressed' ELSE 'sending' END,
       error = CASE WHEN ${UNSUBSCRIBED} THEN '${SUPPRESSED_REASON}' ELSE e.error END,
       updated_at = now()`;

const OUTGOING_E = OUTGOING.split(", ")
  .map((c) => `e.${c}`)
  .join(", ");

/**
 * Claims due emails for sending. `sending` rows older than the lease are claimed again: the
 * mailer's idempotency key makes the second attempt a no-op if the first one did go out.
 */
export async function claimDueEmails(
  db: Queryable,
  limit: number,
  leaseSeconds = 120,
): Promise<OutgoingEmail[]> {
  const { rows } = await db.query<OutgoingEmail & { status: string }>(
    `UPDATE campaign_emails e SET ${CLAIM_SET}
     WHERE e.id IN (
       SELECT id FROM campaign_emails
       WHERE dispatch = 'scheduler' AND send_after <= now()
         AND (status = 'scheduled' OR (status = 'sending' AND updated_at < now() - make_interval(secs => $2)))
       ORDER BY send_after LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING e.status, ${OUTGOING_E}`,
    [limit, leaseSeconds],
  );
  await refreshCampaignStatus(db, [
    ...new Set(rows.filter((r) => r.status === "suppressed").map((r) => r.campaign_id)),
  ]);
  return rows.filter((r) => r.status === "sending").map(({ status: _status, ...email }) => email);
}

/** Claims one step of a campaign for an explicit send (the automation flow asks for it). */
export async function claimCampaignStep(
  db: Queryable,
  campaignId: string,
  step: CampaignStep,
): Promise<{ email: OutgoingEmail | null; status: string | null; suppressedNow?: boolean }> {
  const claimed = await db.query<OutgoingEmail & { status: string }>(
    `UPDATE campaign_emails e SET ${CLAIM_SET}
     WHERE e.campaign_id = $1 AND e.step = $2 AND e.status IN ('scheduled', 'failed')
     RETURNING e.status, ${OUTGOING_E}`,
    [campaignId, step],
  );
  const row = claimed.rows[0];
  if (row?.status === "sending") {
    const { status: _status, ...email } = row;
    return { email, status: "sending" };
  }
  if (row) {
    await refreshCampaignStatus(db, [campaignId]);
    return { email: null, status: "suppressed", suppressedNow: true };
  }
  const current = await db.query<{ status: string }>(
    "SELECT status FROM campaign_emails WHERE campaign_id = $1 AND step = $2",
    [campaignId, step],
  );
  return { email: null, status: current.rows[0]?.status ?? null };
}

/** A campaign is completed once none of its emails is still to be sent. */
async function refreshCampaignStatus(db: Queryable, campaignIds: string[]): Promise<void> {
  if (campaignIds.length === 0) return;
  await db.query(
    `UPDATE campaigns c SET status = CASE
       WHEN NOT EXISTS (SELECT 1 FROM campaign_emails e WHERE e.campaign_id = c.id AND e.status NOT IN ('sent', 'suppressed'))
       THEN 'completed' ELSE 'sending' END
     WHERE c.id = ANY($1::uuid[])`,
    [campaignIds],
  );
}

/**
 * Marks every lead with this address unsubscribed and, in the same transaction, suppresses the
 * warm-up emails to it that are not yet claimed for sending. Returns how many were suppressed.
 */
export async function unsubscribeAddress(db: pg.Pool, email: string): Promise<{ suppressed: number }> {
  return withTransaction(db, async (tx) => {
    await tx.query(
      "UPDATE leads SET unsubscribed_at = coalesce(unsubscribed_at, now()) WHERE lower(email) = lower($1)",
      [email],
    );
    const { rows } = await tx.query<{ campaign_id: string }>(
      `UPDATE campaign_emails SET status = 'suppressed', error = '${SUPPRESSED_REASON}', updated_at = now()
       WHERE lower(to_email) = lower($1) AND status IN ('scheduled', 'failed')
       RETURNING campaign_id`,
      [email],
    );
    await refreshCampaignStatus(tx, [...new Set(rows.map((r) => r.campaign_id))]);
    return { suppressed: rows.length };
  });
}

export async function markEmailSent(
  db: Queryable,
  id: string,
  provider: string,
  messageId: string,
): Promise<void> {
  await db.query(
    `UPDATE campaign_emails SET status = 'sent', sent_at = coalesce(sent_at, now()), provider = $2,
            provider_message_id = $3, error = NULL, updated_at = now() WHERE id = $1`,
    [id, provider, messageId],
  );
  await db.query(
    `UPDATE campaigns c SET status = CASE
       WHEN NOT EXISTS (SELECT 1 FROM campaign_emails e WHERE e.campaign_id = c.id AND e.status NOT IN ('sent', 'suppressed'))
       THEN 'completed' ELSE 'sending' END
     WHERE c.id = (SELECT campaign_id FROM campaign_emails WHERE id = $1)`,
    [id],
  );
}

/**
 * A failed send is tried again later with exponential backoff (30 s, 60 s, 120 s, …) until
 * `maxAttempts`, then stays `failed` for an operator to see.
 */
export async function markEmailFailed(
  db: Queryable,
  id: string,
  error: string,
  maxAttempts = 5,
): Promise<void> {
  await db.query(
    `UPDATE campaign_emails SET attempts = attempts + 1, error = $2, updated_at = now(),
            status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'scheduled' END,
            send_after = now() + make_interval(secs => 30 * power(2, attempts))
     WHERE id = $1`,
    [id, error, maxAttempts],
  );
}

/** Hands a campaign back to the built-in scheduler (the automation webhook could not be reached). */
export async function dispatchCampaignLocally(db: Queryable, campaignId: string): Promise<void> {
  await db.query(
    "UPDATE campaign_emails SET dispatch = 'scheduler', updated_at = now() WHERE campaign_id = $1 AND status = 'scheduled'",
    [campaignId],
  );
}

export async function findIdempotent(
  db: Queryable,
  key: string,
): Promise<{ request_hash: string; response_status: number; response_body: unknown } | null> {
  const { rows } = await db.query(
    "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE key = $1",
    [key],
  );
  return rows[0] ?? null;
}

/** False when this signature was seen before: the webhook is a replay. */
export async function recordWebhook(
  db: Queryable,
  signature: string,
  source: string,
  event: string,
  payload: unknown,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO webhook_receipts (signature, source, event, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT (signature) DO NOTHING`,
    [signature, source, event, JSON.stringify(payload)],
  );
  return rowCount === 1;
}

/** Runs a crashed single-process agency left unfinished; an in-memory queue lost their jobs. */
export async function unfinishedRuns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM workflow_runs WHERE status IN ('queued', 'running') ORDER BY created_at",
  );
  return rows.map((r) => r.id);
}

export async function recordAlertNotification(
  db: Queryable,
  groupKey: string,
  status: string,
  alerts: unknown[],
): Promise<void> {
  await db.query("INSERT INTO alert_notifications (group_key, status, alerts) VALUES ($1, $2, $3)", [
    groupKey,
    status,
    JSON.stringify(alerts),
  ]);
}

const num = (v: unknown): number => Number(v ?? 0);

/** Tokens and cost of a run or a project, in total and per step and model. */
export async function costOf(db: Queryable, by: "run_id" | "project_id", id: string): Promise<CostView> {
  const { rows } = await db.query(
    `SELECT step, provider, model, count(*)::int AS calls, sum(input_tokens)::bigint AS input_tokens,
            sum(output_tokens)::bigint AS output_tokens, sum(cost_usd)::float8 AS cost_usd
     FROM run_usage WHERE ${by} = $1
     GROUP BY step, provider, model ORDER BY min(id)`,
    [id],
  );
  const byStep = rows.map((r) => ({
    step: r.step,
    provider: r.provider,
    model: r.model,
    calls: r.calls,
    input_tokens: num(r.input_tokens),
    output_tokens: num(r.output_tokens),
    cost_usd: num(r.cost_usd),
  }));
  return {
    total_usd: Math.round(byStep.reduce((sum, s) => sum + s.cost_usd, 0) * 1e6) / 1e6,
    input_tokens: byStep.reduce((sum, s) => sum + s.input_tokens, 0),
    output_tokens: byStep.reduce((sum, s) => sum + s.output_tokens, 0),
    by_step: byStep,
  };
}

export interface UsageRow {
  step: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** `fromCheckpoint` false: rows that are not in the run's `usage` channel (a stopped step's calls). */
export async function insertUsage(
  db: Queryable,
  runId: string,
  projectId: string,
  usage: readonly UsageRow[],
  fromCheckpoint = true,
): Promise<void> {
  if (usage.length === 0) return;
  await db.query(
    `INSERT INTO run_usage (run_id, project_id, step, provider, model, input_tokens, output_tokens, cost_usd,
                            from_checkpoint)
     SELECT $1, $2, u.step, u.provider, u.model, u.input_tokens, u.output_tokens, u.cost_usd, $4
     FROM jsonb_to_recordset($3::jsonb)
       AS u(step text, provider text, model text, input_tokens int, output_tokens int, cost_usd numeric)`,
    [
      runId,
      projectId,
      JSON.stringify(
        usage.map((u) => ({
          step: u.step,
          provider: u.provider,
          model: u.model,
          input_tokens: Math.max(0, Math.round(u.inputTokens)),
          output_tokens: Math.max(0, Math.round(u.outputTokens)),
          cost_usd: Math.max(0, u.costUsd),
        })),
      ),
      fromCheckpoint,
    ],
  );
}

/**
 * What the project spent outside this run's checkpoint: its other runs, plus this run's calls that
 * never reached the checkpoint (the paid calls of a step that failed or hit the budget). The
 * pipeline adds the checkpointed rest itself.
 */
export async function projectSpend(db: Queryable, projectId: string, exceptRunId: string): Promise<number> {
  const { rows } = await db.query<{ spent: number }>(
    `SELECT coalesce(sum(cost_usd), 0)::float8 AS spent FROM run_usage
     WHERE project_id = $1 AND (run_id <> $2 OR NOT from_checkpoint)`,
    [projectId, exceptRunId],
  );
  return rows[0]?.spent ?? 0;
}

/** Records a stop at a gate; the same interrupt seen again (a resumed worker) is one row. */
export async function requestReview(
  db: Queryable,
  input: { runId: string; gate: string; step: string; interruptId: string; artifacts: string[] },
): Promise<void> {
  await db.query(
    `INSERT INTO run_reviews (run_id, gate, step, interrupt_id, artifacts) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (run_id, interrupt_id) DO NOTHING`,
    [input.runId, input.gate, input.step, input.interruptId, JSON.stringify(input.artifacts)],
  );
}

export interface ReviewDecisionRow {
  id: string;
  gate: string;
  step: string;
  interrupt_id: string;
  decision: "approve" | "edit" | "send_back" | null;
  comment: string | null;
  edits: Record<string, unknown> | null;
}

/** The review of this interrupt, decided or not. */
export async function reviewOf(
  db: Queryable,
  runId: string,
  interruptId: string,
): Promise<ReviewDecisionRow | null> {
  const { rows } = await db.query<ReviewDecisionRow>(
    `SELECT id, gate, step, interrupt_id, decision, comment, edits FROM run_reviews
     WHERE run_id = $1 AND interrupt_id = $2`,
    [runId, interruptId],
  );
  return rows[0] ?? null;
}

/** The review waiting for a decision, locked for the caller's transaction. */
export async function openReviewForUpdate(db: Queryable, runId: string): Promise<ReviewDecisionRow | null> {
  const { rows } = await db.query<ReviewDecisionRow>(
    `SELECT id, gate, step, interrupt_id, decision, comment, edits FROM run_reviews
     WHERE run_id = $1 AND decided_at IS NULL ORDER BY requested_at DESC LIMIT 1 FOR UPDATE`,
    [runId],
  );
  return rows[0] ?? null;
}

export async function decideReview(
  db: Queryable,
  reviewId: string,
  d: { decision: string; comment?: string; edits?: unknown; reviewer: string },
): Promise<void> {
  await db.query(
    `UPDATE run_reviews SET decision = $2, comment = $3, edits = $4, reviewer = $5, decided_at = now()
     WHERE id = $1`,
    [
      reviewId,
      d.decision,
      d.comment ?? null,
      d.edits === undefined ? null : JSON.stringify(d.edits),
      d.reviewer,
    ],
  );
}

/** Locks the run row and returns its status, for decisions that depend on it. */
export async function runStatusForUpdate(
  db: Queryable,
  runId: string,
): Promise<{ status: RunState; project_id: string; attempts: number } | null> {
  const { rows } = await db.query(
    "SELECT status, project_id, attempts FROM workflow_runs WHERE id = $1 FOR UPDATE",
    [runId],
  );
  return rows[0] ?? null;
}
