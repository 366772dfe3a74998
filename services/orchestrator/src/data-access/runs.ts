/**
 * Workflow runs: their steps, stored artifacts, provider usage and cost, and the one-statement
 * view the API and the live event streams answer with.
 */
import { STEP_NAMES, type StepName } from "@roboagency/agents";
import type { Queryable } from "./database.ts";
import type { IntakeRecord, Page } from "./leads-projects.ts";

export type RunState = "queued" | "running" | "awaiting_review" | "completed" | "failed" | "budget_exceeded";
/** Statuses after which nothing more happens unless an operator retries. */
export const TERMINAL_RUN_STATES: readonly RunState[] = ["completed", "failed", "budget_exceeded"];
export type StepState = "pending" | "running" | "completed" | "failed" | "skipped";

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

/** A timestamptz as JavaScript's `toISOString()` writes it (UTC, milliseconds truncated, "Z"). */
const isoSql = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The run with its steps, artifacts, reviews and cost in one statement, built as JSON by Postgres
 * in the shape of `RunView`. `revision` moves with every change to any of them (triggers of
 * migration 010), and is read in the same snapshot as the body it names.
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
  json_build_object(
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
  )::text AS json
FROM workflow_runs r WHERE r.id = $1`;

/**
 * The revision alone: one index lookup. Postgres starts every subplan of a statement before it
 * runs it, so asking the view's statement whether the revision moved cost about twice this.
 */
const RUN_REVISION_SQL = "SELECT revision::text AS revision FROM workflow_runs WHERE id = $1";

/**
 * The run as JSON text and its revision; null when there is no such run. With `knownRevisions`
 * (what the client or this process already holds) the revision is read first, and when it is one
 * of them the body is not built (`json` is null): a poll of an unchanged run is one index lookup.
 * Otherwise the body comes in one statement, whatever the run holds (after a revision that moved,
 * the second round trip).
 */
export async function readRun(
  db: Queryable,
  runId: string,
  knownRevisions: readonly number[] = [],
): Promise<{ revision: number; json: string | null } | null> {
  // Named, so each connection parses and plans the statements once, not on every read.
  if (knownRevisions.length > 0) {
    const { rows } = await db.query<{ revision: string }>({
      name: "run-revision",
      text: RUN_REVISION_SQL,
      values: [runId],
    });
    if (!rows[0]) return null;
    const revision = Number(rows[0].revision);
    if (knownRevisions.includes(revision)) return { revision, json: null };
  }
  const { rows } = await db.query<{ revision: string; json: string }>({
    name: "run-view",
    text: RUN_VIEW_SQL,
    values: [runId],
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

/** One statement for every status change, so the timestamps follow the same rules everywhere. */
async function setRunStatus(
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

/** Ends a run: `completed` also stamps when the lead was ready. */
export async function finishRun(
  db: Queryable,
  runId: string,
  status: "completed" | "failed" | "budget_exceeded",
  error?: string,
): Promise<void> {
  await setRunStatus(db, runId, status, error);
}

/** Puts a run back in line for the queue (a retry, a review decision); `error` says why when one failed. */
export async function requeueRun(db: Queryable, runId: string, error?: string): Promise<void> {
  await setRunStatus(db, runId, "queued", error);
}

/** Parks a run at a review gate until an operator decides. */
export async function parkRunForReview(db: Queryable, runId: string): Promise<void> {
  await setRunStatus(db, runId, "awaiting_review");
}

/** The first step of a run that has not completed, in pipeline order. */
export async function firstUnfinishedStep(db: Queryable, runId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ step: string }>(
    "SELECT step FROM run_steps WHERE run_id = $1 AND status <> 'completed' ORDER BY position LIMIT 1",
    [runId],
  );
  return rows[0]?.step;
}

/** Marks these steps completed unless they are; how many changed. */
export async function completeSteps(db: Queryable, runId: string, steps: readonly string[]): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE run_steps SET status = 'completed', finished_at = now(), error = NULL,
              started_at = coalesce(started_at, now())
       WHERE run_id = $1 AND step = ANY($2::text[]) AND status <> 'completed'`,
    [runId, [...steps]],
  );
  return rowCount ?? 0;
}

/** Seconds from the run's creation to its lead being ready; null before that. */
export async function leadReadySeconds(db: Queryable, runId: string): Promise<number | null> {
  const { rows } = await db.query<{ seconds: number }>(
    "SELECT extract(epoch FROM lead_ready_at - created_at)::float8 AS seconds FROM workflow_runs WHERE id = $1",
    [runId],
  );
  return rows[0] ? rows[0].seconds : null;
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

/** What the stored artifacts of a run hold: name → sha256 of the body. */
export async function storedArtifactHashes(db: Queryable, runId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; sha256: string }>(
    "SELECT name, sha256 FROM assets WHERE run_id = $1",
    [runId],
  );
  return new Map(rows.map((r) => [r.name, r.sha256]));
}

/**
 * One artifact of a run by its name; with `email`, only when the run belongs to that client's
 * project (another client's file is as missing as an unknown one).
 */
export async function runFile(
  db: Queryable,
  runId: string,
  name: string,
  email?: string,
): Promise<{ storage_key: string; content_type: string } | null> {
  const { rows } = await db.query<{ storage_key: string; content_type: string }>(
    `SELECT a.storage_key, a.content_type FROM assets a
     WHERE a.run_id = $1 AND a.name = $2
       AND ($3::text IS NULL OR EXISTS (
         SELECT 1 FROM workflow_runs r JOIN projects p ON p.id = r.project_id JOIN leads l ON l.id = p.lead_id
         WHERE r.id = a.run_id AND lower(l.email) = lower($3)))`,
    [runId, name, email ?? null],
  );
  return rows[0] ?? null;
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

/** Runs a crashed single-process agency left unfinished; an in-memory queue lost their jobs. */
export async function unfinishedRuns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    "SELECT id FROM workflow_runs WHERE status IN ('queued', 'running') ORDER BY created_at",
  );
  return rows.map((r) => r.id);
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

/** How many of the run's usage rows came from its checkpoint's `usage` channel. */
export async function checkpointUsageCount(db: Queryable, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM run_usage WHERE run_id = $1 AND from_checkpoint",
    [runId],
  );
  return rows[0]?.n ?? 0;
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
