/**
 * The ops console's sign-in state in Postgres, so every portal process (and every API process
 * that serves them) sees the same attempts and the same sessions: rate-limiter-flexible's
 * Postgres store for attempts (table from migration 008) and one row per operator session.
 */
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import type { Queryable } from "./database.ts";

export const SIGN_IN_LIMIT_TABLE = "operator_sign_in_limits";

export interface AttemptLimiter {
  /**
   * Counts one attempt for the key before anything is checked. Resolves with 0 when the attempt
   * may go on, or with the milliseconds until the key may try again.
   */
  consume(key: string): Promise<number>;
  /** Forgets the key's attempts (after a successful sign-in). */
  reset(key: string): Promise<void>;
}

export function postgresAttemptLimiter(
  pool: pg.Pool,
  options: { points: number; windowSeconds: number; prefix: string },
): AttemptLimiter {
  const limiter = new RateLimiterPostgres({
    storeClient: pool,
    storeType: "pool",
    tableName: SIGN_IN_LIMIT_TABLE,
    // The migration made the table; pruning is the retention job's (business-logic/retention.ts).
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: options.prefix,
    points: options.points,
    duration: options.windowSeconds,
  });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return 0;
      } catch (err) {
        if (err instanceof RateLimiterRes) return Math.max(err.msBeforeNext, 1);
        throw err;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}

export interface OperatorSessionRow {
  id: string;
  operator: string;
  expires_at: Date;
}

export async function insertOperatorSession(
  db: Queryable,
  operator: string,
  ttlSeconds: number,
): Promise<OperatorSessionRow> {
  const { rows } = await db.query<OperatorSessionRow>(
    `INSERT INTO operator_sessions (operator, expires_at) VALUES ($1, now() + make_interval(secs => $2))
     RETURNING id, operator, expires_at`,
    [operator, ttlSeconds],
  );
  return rows[0]!;
}

/** The session while it is neither revoked nor expired. */
export async function findLiveOperatorSession(db: Queryable, id: string): Promise<OperatorSessionRow | null> {
  const { rows } = await db.query<OperatorSessionRow>(
    `SELECT id, operator, expires_at FROM operator_sessions
      WHERE id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [id],
  );
  return rows[0] ?? null;
}

export async function revokeOperatorSession(db: Queryable, id: string): Promise<void> {
  await db.query("UPDATE operator_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [
    id,
  ]);
}
