/** The Postgres schema of the pipeline's checkpoints (checkpointer.ts), for code that must not load LangGraph. */
export const CHECKPOINT_SCHEMA = "langgraph";
