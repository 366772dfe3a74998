/**
 * The stops of a run at its review gates and the operators' decisions.
 */
import type { Queryable } from "./database.ts";

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
