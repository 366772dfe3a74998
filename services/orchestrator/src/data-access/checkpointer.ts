/**
 * The pipeline's checkpoints, in the agency's own Postgres (schema "langgraph"), so a run survives
 * the worker that ran it: any worker resumes it from its last completed step.
 */
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { buildPipeline } from "@roboagency/agents";
import type pg from "pg";
import { CHECKPOINT_SCHEMA } from "./checkpoint-schema.ts";

export { CHECKPOINT_SCHEMA };
// Same role as the migration lock: API and worker starting together must not both create tables.
const SETUP_LOCK_KEY = 7_140_215_002;

export type Pipeline = ReturnType<ReturnType<typeof buildPipeline>["compile"]>;

const BYTES = "__agency_base64";

/** Buffers (the explainer video) become base64 strings; only plain objects and arrays are walked. */
function encodeBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { [BYTES]: value.toString("base64") };
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const encoded = encodeBytes(item);
      if (encoded !== item) (copy ??= [...value])[i] = encoded;
    });
    return copy ?? value;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const encoded = encodeBytes(item);
      if (encoded !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = encoded;
    }
    return copy ?? value;
  }
  return value;
}

function decodeBytes(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeBytes(value[i]);
    return value;
  }
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const encoded = record[BYTES];
    if (typeof encoded === "string" && Object.keys(record).length === 1)
      return Buffer.from(encoded, "base64");
    for (const key of Object.keys(record)) record[key] = decodeBytes(record[key]);
  }
  return value;
}

/**
 * LangGraph's serializer, except that a Buffer is kept as base64 and read back as a Buffer: JSON
 * would store it as an array of numbers (four times the size) and return a plain object.
 */
export class BinarySafeSerializer extends JsonPlusSerializer {
  override async dumpsTyped(obj: unknown): Promise<[string, Uint8Array]> {
    return super.dumpsTyped(encodeBytes(obj));
  }

  override async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return decodeBytes(await super.loadsTyped(type, data));
  }
}

/** Creates the checkpoint tables when missing and compiles the pipeline with them. */
export async function durablePipeline(pool: pg.Pool): Promise<{ pipeline: Pipeline; saver: PostgresSaver }> {
  const saver = new PostgresSaver(pool, new BinarySafeSerializer(), { schema: CHECKPOINT_SCHEMA });
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
