/**
 * Announcing run progress between processes (the worker and every API process) with Postgres
 * NOTIFY on RUN_CHANNEL, and the one connection per process that listens for it.
 */
import pg from "pg";
import type { Queryable } from "./database.ts";

/** The channel on which run progress is announced; the payload is the run id. */
export const RUN_CHANNEL = "agency_run";

export async function notifyRun(db: Queryable, runId: string): Promise<void> {
  await db.query("SELECT pg_notify($1, $2)", [RUN_CHANNEL, runId]);
}

export interface RunChannelListener {
  close(): Promise<void>;
}

/**
 * Listens on RUN_CHANNEL on a connection of its own (a pooled connection goes back to the pool
 * and would drop the LISTEN). `onRun` hears each announced run id; `onLost` is told once when the
 * connection fails, after it is closed, so the caller can listen again.
 */
export async function listenToRuns(
  databaseUrl: string,
  handlers: { onRun(runId: string): void; onLost(err: Error): void },
): Promise<RunChannelListener> {
  const client = new pg.Client({ connectionString: databaseUrl });
  let live = false;
  client.on("notification", (msg) => {
    if (msg.payload) handlers.onRun(msg.payload);
  });
  client.on("error", (err) => {
    if (!live) return;
    live = false;
    void client.end().catch(() => undefined);
    handlers.onLost(err);
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${RUN_CHANNEL}`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  live = true;
  return {
    async close() {
      live = false;
      await client.end().catch(() => undefined);
    },
  };
}
