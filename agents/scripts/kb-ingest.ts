/**
 * `npm run kb:ingest`: embeds the knowledge base (sector documents, comparable products, Svelte UI
 * patterns) into Qdrant when QDRANT_URL is set, else into the embedded store under
 * AGENCY_DATA_DIR/vectors. OpenAI embeddings when OPENAI_API_KEY is set, else the offline embedder.
 */
import { embedderFromEnv, ingestKnowledgeBase, vectorStoreFromEnv } from "../src/retrieval/knowledgeBase.ts";

const env: Record<string, string | undefined> = {
  ...process.env,
  AGENCY_DATA_DIR: process.env["AGENCY_DATA_DIR"] ?? ".agency",
};
const store = vectorStoreFromEnv(env);
const embedder = embedderFromEnv(env);
const started = Date.now();
const counts = await ingestKnowledgeBase(store, embedder);
const where = env["QDRANT_URL"]
  ? `Qdrant at ${new URL(env["QDRANT_URL"]).host}`
  : `${env["AGENCY_DATA_DIR"]}/vectors`;
process.stdout.write(
  `kb:ingest: ${Object.entries(counts)
    .map(([c, n]) => `${c}=${n}`)
    .join(" ")} with ${embedder.id} into ${where} in ${Date.now() - started} ms\n`,
);
