/**
 * Postgres advisory locks. A transaction lock serialises writers of one key until COMMIT; a
 * session lock keeps one process at a job and is released by Postgres when that process dies.
 */
import type pg from "pg";
import type { Queryable } from "./database.ts";

/** Waits for the transaction lock of `key`; held until the transaction ends. */
export async function lockForTransaction(tx: Queryable, key: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [key]);
}

/**
 * Runs `fn` while this process holds the session lock of `key` (a number as it is, a text hashed),
 * on a connection of its own; `{ acquired: false }` without running it when another session holds
 * the lock. A connection whose unlock failed is discarded, not returned to the pool still locked.
 * `lost` aborts when the lock's connection fails: Postgres has released the lock then (another
 * process may already hold it), so `fn` should stop writing. Without the listener, that error on
 * a checked-out client would be an uncaught exception.
 */
export async function withSessionLock<T>(
  pool: pg.Pool,
  key: string | number,
  fn: (lost: AbortSignal) => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const [tryLock, unlock] =
    typeof key === "number"
      ? ["SELECT pg_try_advisory_lock($1) AS ok", "SELECT pg_advisory_unlock($1)"]
      : [
          "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
          "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
        ];
  const lock = await pool.connect();
  let broken: Error | undefined;
  const lost = new AbortController();
  const onError = (err: Error) => {
    broken = err;
    lost.abort(err);
  };
  lock.on("error", onError);
  try {
    const { rows } = await lock.query<{ ok: boolean }>(tryLock, [key]);
    if (!rows[0]?.ok) return { acquired: false };
    try {
      return { acquired: true, value: await fn(lost.signal) };
    } finally {
      if (!broken) {
        await lock.query(unlock, [key]).catch((err) => {
          broken = err as Error;
        });
      }
    }
  } finally {
    lock.off("error", onError);
    lock.release(broken);
  }
}
