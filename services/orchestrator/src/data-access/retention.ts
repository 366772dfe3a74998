/**
 * Deletes what the agency no longer needs (business-logic/retention.ts decides when). Each
 * statement is bounded by its window. Checkpoints are pruned only for completed runs: first down
 * to each thread's last checkpoint (the final state), later that one too, since a completed run
 * is never executed again and its rows and assets hold what it produced. Failed,
 * budget_exceeded, awaiting_review and unfinished runs keep every checkpoint: retry and resume
 * read them.
 */
import type pg from "pg";
import { CHECKPOINT_SCHEMA } from "./checkpoint-schema.ts";
import { SIGN_IN_LIMIT_TABLE } from "./operator-sign-in.ts";

export interface RetentionWindows {
  /** Accepted webhook signatures (replays are refused by timestamp after 5 minutes anyway). */
  webhookReceiptsDays: number;
  /** Stored answers to Idempotency-Key retries. */
  idempotencyKeysDays: number;
  /** Portal sign-in links and operator sessions, counted from their expiry. */
  signInTokensDays: number;
  /** Completed runs' checkpoints but the last, counted from the run's completion; 0 prunes at once. */
  checkpointsDays: number;
  /** Completed runs' last checkpoint, counted from the run's completion. */
  finalCheckpointDays: number;
}

export type PruneCounts = Record<
  | "webhook_receipts"
  | "idempotency_keys"
  | "portal_magic_links"
  | "operator_sessions"
  | "sign_in_limits"
  | "runs_pruned"
  | "runs_deleted"
  | "checkpoints"
  | "checkpoint_blobs"
  | "checkpoint_writes",
  number
>;

const CK = `"${CHECKPOINT_SCHEMA}".checkpoints`;
const BLOBS = `"${CHECKPOINT_SCHEMA}".checkpoint_blobs`;
const WRITES = `"${CHECKPOINT_SCHEMA}".checkpoint_writes`;
/** Each thread's (and subgraph namespace's) newest checkpoint; LangGraph's ids sort by time. */
const LATEST = `SELECT DISTINCT ON (thread_id, checkpoint_ns) thread_id, checkpoint_ns, checkpoint_id, checkpoint
                  FROM ${CK} WHERE thread_id = ANY($1::text[])
                 ORDER BY thread_id, checkpoint_ns, checkpoint_id DESC`;

async function count(db: pg.ClientBase, sql: string, values: unknown[]): Promise<number> {
  return (await db.query(sql, values)).rowCount ?? 0;
}

/**
 * Completed runs' checkpoints, `batch` runs per transaction: "prune" keeps each thread's last
 * checkpoint, "delete" removes them all.
 */
async function pruneCheckpoints(
  pool: pg.Pool,
  mode: "prune" | "delete",
  days: number,
  now: Date,
  counts: PruneCounts,
  batch = 100,
): Promise<void> {
  const marker = mode === "prune" ? "checkpoints_pruned_at" : "checkpoints_deleted_at";
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM workflow_runs
          WHERE status = 'completed' AND ${marker} IS NULL
            AND finished_at <= $1::timestamptz - make_interval(days => $2)
          ORDER BY finished_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [now, days, batch],
      );
      const threads = rows.map((r) => r.id);
      if (threads.length && mode === "delete") {
        for (const [table, key] of [
          [BLOBS, "checkpoint_blobs"],
          [WRITES, "checkpoint_writes"],
          [CK, "checkpoints"],
        ] as const) {
          counts[key] += await count(client, `DELETE FROM ${table} WHERE thread_id = ANY($1::text[])`, [
            threads,
          ]);
        }
        await client.query(
          `UPDATE workflow_runs SET checkpoints_deleted_at = $2, checkpoints_pruned_at = coalesce(checkpoints_pruned_at, $2)
            WHERE id = ANY($1::uuid[])`,
          [threads, now],
        );
        counts.runs_deleted += threads.length;
      } else if (threads.length) {
        // Blobs the last checkpoint does not point at, then older checkpoints and their writes.
        counts.checkpoint_blobs += await count(
          client,
          `WITH latest AS (${LATEST})
           DELETE FROM ${BLOBS} b USING latest l
            WHERE b.thread_id = l.thread_id AND b.checkpoint_ns = l.checkpoint_ns
              AND (l.checkpoint -> 'channel_versions' ->> b.channel) IS DISTINCT FROM b.version`,
          [threads],
        );
        counts.checkpoint_writes += await count(
          client,
          `WITH latest AS (${LATEST})
           DELETE FROM ${WRITES} w USING latest l
            WHERE w.thread_id = l.thread_id AND w.checkpoint_ns = l.checkpoint_ns
              AND w.checkpoint_id <> l.checkpoint_id`,
          [threads],
        );
        counts.checkpoints += await count(
          client,
          `WITH latest AS (${LATEST})
           DELETE FROM ${CK} c USING latest l
            WHERE c.thread_id = l.thread_id AND c.checkpoint_ns = l.checkpoint_ns
              AND c.checkpoint_id <> l.checkpoint_id`,
          [threads],
        );
        await client.query("UPDATE workflow_runs SET checkpoints_pruned_at = $2 WHERE id = ANY($1::uuid[])", [
          threads,
          now,
        ]);
        counts.runs_pruned += threads.length;
      }
      await client.query("COMMIT");
      if (threads.length < batch) return;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

export async function pruneExpired(
  pool: pg.Pool,
  windows: RetentionWindows,
  now = new Date(),
): Promise<PruneCounts> {
  const counts: PruneCounts = {
    webhook_receipts: 0,
    idempotency_keys: 0,
    portal_magic_links: 0,
    operator_sessions: 0,
    sign_in_limits: 0,
    runs_pruned: 0,
    runs_deleted: 0,
    checkpoints: 0,
    checkpoint_blobs: 0,
    checkpoint_writes: 0,
  };
  const older = (table: string, column: string, days: number) =>
    pool
      .query(`DELETE FROM ${table} WHERE ${column} <= $1::timestamptz - make_interval(days => $2)`, [
        now,
        days,
      ])
      .then((r) => r.rowCount ?? 0);
  counts.webhook_receipts = await older("webhook_receipts", "received_at", windows.webhookReceiptsDays);
  counts.idempotency_keys = await older("idempotency_keys", "created_at", windows.idempotencyKeysDays);
  counts.portal_magic_links = await older("portal_magic_links", "expires_at", windows.signInTokensDays);
  counts.operator_sessions = await older(
    "operator_sessions",
    "coalesce(revoked_at, expires_at)",
    windows.signInTokensDays,
  );
  // A limiter row past its window counts nothing any more (rate-limiter-flexible starts afresh).
  counts.sign_in_limits =
    (await pool.query(`DELETE FROM ${SIGN_IN_LIMIT_TABLE} WHERE expire < $1`, [now.getTime()])).rowCount ?? 0;
  await pruneCheckpoints(pool, "delete", windows.finalCheckpointDays, now, counts);
  await pruneCheckpoints(pool, "prune", windows.checkpointsDays, now, counts);
  return counts;
}
