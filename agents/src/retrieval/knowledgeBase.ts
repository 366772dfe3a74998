/**
 * The knowledge base as retrievable chunks, and how a store gets filled and chosen:
 * market_comps (one per comparable product), doc_chunks (per sector: overview and patterns,
 * personas, pricing models, feature templates, metrics and risks) and code_patterns (one per Svelte
 * UI pattern). Chunk ids are the source ids artifacts cite, e.g. "kb:sectors/saas/comparables/notion".
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { getSector, listSectors } from "../kb.ts";
import { comparableSourceId } from "../offline/market.ts";
import { agentsDir } from "../paths.ts";
import { EmbeddedVectorStore } from "./embeddedStore.ts";
import { hashedEmbedder, openAIEmbedder } from "./embedders.ts";
import { QdrantVectorStore } from "./qdrantStore.ts";
import {
  COLLECTIONS,
  type Collection,
  type Embedder,
  type Payload,
  type Retriever,
  type VectorStore,
  storeRetriever,
} from "./retriever.ts";

export interface KbChunk {
  id: string;
  collection: Collection;
  title: string;
  text: string;
  payload: Payload;
}

export function knowledgeBaseChunks(): KbChunk[] {
  const chunks: KbChunk[] = [];
  for (const { id } of listSectors()) {
    const s = getSector(id);
    if (!s) continue;
    const base = `kb:sectors/${s.id}`;
    const doc = (suffix: string, title: string, text: string) =>
      chunks.push({
        id: `${base}/${suffix}`,
        collection: "doc_chunks",
        title,
        text,
        payload: { sector: s.id, kind: suffix },
      });
    doc(
      "patterns",
      `Knowledge base: ${s.name} market patterns`,
      `${s.name}. ${s.description} ${s.patterns.join(" ")}`,
    );
    doc(
      "personas",
      `Knowledge base: ${s.name} personas`,
      s.personas.map((p) => `${p.name}: ${p.role}; needs ${p.needs.join(", ")}.`).join(" "),
    );
    doc(
      "pricing",
      `Knowledge base: ${s.name} pricing models`,
      s.pricingModels.map((p) => `${p.name}: ${p.description} (${p.typicalPrice}).`).join(" "),
    );
    doc(
      "features",
      `Knowledge base: ${s.name} feature templates`,
      s.features.map((f) => `${f.name}: ${f.description}`).join(" "),
    );
    doc(
      "metrics-risks",
      `Knowledge base: ${s.name} metrics and risks`,
      `Metrics: ${s.metrics.join("; ")}. Risks: ${s.risks.join("; ")}.`,
    );
    for (const c of s.comparables) {
      chunks.push({
        id: comparableSourceId(s.id, c),
        collection: "market_comps",
        title: `Knowledge base: ${c.name} (${s.name}), indicative pricing`,
        text: `${c.name}: ${c.positioning}${c.description ? ` ${c.description}` : ""} Tags: ${c.tags.join(", ")}. Strengths: ${c.strengths.join("; ")}. Weaknesses: ${c.weaknesses.join("; ")}. Price: ${c.pricePoint}.`,
        payload: { sector: s.id, name: c.name },
      });
    }
  }
  const patterns = path.join(agentsDir(), "kb", "ui-patterns");
  for (const file of readdirSync(patterns)
    .filter((f) => f.endsWith(".svelte"))
    .sort()) {
    const name = file.replace(/\.svelte$/, "");
    chunks.push({
      id: `kb:ui-patterns/${name}`,
      collection: "code_patterns",
      title: `UI pattern ${name}.svelte`,
      text: readFileSync(path.join(patterns, file), "utf8"),
      payload: { component: name },
    });
  }
  return chunks;
}

/** Embeds every chunk and upserts it; returns the count per collection. */
export async function ingestKnowledgeBase(
  store: VectorStore,
  embedder: Embedder,
): Promise<Record<Collection, number>> {
  const chunks = knowledgeBaseChunks();
  const counts = {} as Record<Collection, number>;
  for (const collection of COLLECTIONS) {
    const mine = chunks.filter((c) => c.collection === collection);
    await store.ensureCollection(collection, embedder.dimensions);
    const vectors = await embedder.embed(mine.map((c) => `${c.title}\n${c.text}`));
    await store.upsert(
      collection,
      mine.map((c, i) => ({
        id: c.id,
        vector: vectors[i]!,
        payload: { ...c.payload, title: c.title, text: c.text },
      })),
    );
    counts[collection] = mine.length;
  }
  return counts;
}

export type Env = Record<string, string | undefined>;

/** OpenAI embeddings when OPENAI_API_KEY is set (and AGENCY_EMBEDDINGS is not "offline"). */
export function embedderFromEnv(env: Env): Embedder {
  const key = env["OPENAI_API_KEY"];
  if (!key || env["AGENCY_EMBEDDINGS"] === "offline") return hashedEmbedder();
  const dims = env["AGENCY_EMBEDDING_DIMENSIONS"];
  return openAIEmbedder({
    apiKey: key,
    ...(env["AGENCY_EMBEDDING_MODEL"] ? { model: env["AGENCY_EMBEDDING_MODEL"] } : {}),
    ...(dims ? { dimensions: Number(dims) } : {}),
    ...(env["OPENAI_BASE_URL"] ? { baseURL: env["OPENAI_BASE_URL"] } : {}),
  });
}

/** Qdrant when QDRANT_URL is set, else the embedded store under AGENCY_DATA_DIR/vectors (or memory). */
export function vectorStoreFromEnv(env: Env): VectorStore {
  const url = env["QDRANT_URL"];
  if (url)
    return new QdrantVectorStore({
      url,
      ...(env["QDRANT_API_KEY"] ? { apiKey: env["QDRANT_API_KEY"] } : {}),
    });
  const dir = env["AGENCY_DATA_DIR"];
  return new EmbeddedVectorStore(dir ? path.join(dir, "vectors") : undefined);
}

/** A retriever from the environment; the knowledge base must have been ingested into the store. */
export function retrieverFromEnv(env: Env): Retriever {
  return storeRetriever(vectorStoreFromEnv(env), embedderFromEnv(env));
}

const cached = new Map<string, Promise<Retriever>>();

/**
 * The retriever market_mapper uses unless `configurable.retriever` is given, chosen by environment:
 * Qdrant when QDRANT_URL is set, else the embedded store under AGENCY_DATA_DIR/vectors, else an
 * in-memory store; OpenAI embeddings when keyed, else the offline embedder. A store with no
 * knowledge base yet is filled on first use (what `npm run kb:ingest` does), so a fresh deployment
 * works before anyone runs the script. Cached per process and configuration.
 */
export function defaultRetriever(env: Env = process.env): Promise<Retriever> {
  const embedder = embedderFromEnv(env);
  const key = [
    env["QDRANT_URL"] ?? "",
    env["QDRANT_URL"] ? "" : (env["AGENCY_DATA_DIR"] ?? ""),
    embedder.id,
  ].join("|");
  let retriever = cached.get(key);
  if (!retriever) {
    retriever = (async () => {
      const store = vectorStoreFromEnv(env);
      const counts = await Promise.all(COLLECTIONS.map((c) => store.count(c)));
      if (counts.some((n) => n === 0)) await ingestKnowledgeBase(store, embedder);
      return storeRetriever(store, embedder);
    })();
    // A failed start (Qdrant down) is not cached, so the node's retry tries again.
    retriever.catch(() => cached.delete(key));
    cached.set(key, retriever);
  }
  return retriever;
}
