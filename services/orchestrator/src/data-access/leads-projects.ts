/**
 * Leads, their projects and the intake that creates both (with its idempotency keys).
 */
import { STEP_NAMES } from "@roboagency/agents/light";
import type { IntakeRequest } from "@roboagency/contracts";
import type { Queryable } from "./database.ts";
import { costOf } from "./runs.ts";

/** The intake as POST /v1/intake accepted it: the contracts' own type, not a copy. */
export type IntakeRecord = IntakeRequest;

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
  // Named, so each connection parses and plans the five inserts once, not on every intake.
  await db.query({
    name: "insert-intake",
    text: `WITH lead AS (
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
    values: [
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
  });
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

export async function projectExists(db: Queryable, projectId: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM projects WHERE id = $1", [projectId]);
  return rowCount === 1;
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
