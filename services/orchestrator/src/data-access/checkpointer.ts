/**
 * The pipeline's checkpoints, in the agency's own Postgres (schema "langgraph"), so a run survives
 * the worker that ran it: any worker resumes it from its last completed step.
 */
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { buildPipeline } from "@roboagency/agents";
import type pg from "pg";

export const CHECKPOINT_SCHEMA = "langgraph";
// Same role as the migration lock: API and worker starting together must not both create tables.
const SETUP_LOCK_KEY = 7_140_215_002;

export type Pipeline = ReturnType<ReturnType<typeof buildPipeline>["compile"]>;

/** Creates the checkpoint tables when missing and compiles the pipeline with them. */
export async function durablePipeline(pool: pg.Pool): Promise<{ pipeline: Pipeline; saver: PostgresSaver }> {
  const saver = new PostgresSaver(pool, undefined, { schema: CHECKPOINT_SCHEMA });
  const lock = await pool.connect();
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_KEY]);
    try {
      await saver.setup();
    } finally {
      await lock.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    lock.release();
  }
  return { pipeline: buildPipeline().compile({ checkpointer: saver, name: "agency_pipeline" }), saver };
}
