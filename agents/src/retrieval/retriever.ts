/**
 * Retrieval: the seed's three collections, a store interface both Qdrant and the embedded store
 * implement, and the Retriever the nodes call (embed the query, search a collection).
 */
export const COLLECTIONS = ["doc_chunks", "code_patterns", "market_comps"] as const;
export type Collection = (typeof COLLECTIONS)[number];

export type Payload = Record<string, string | number | boolean>;

export interface VectorPoint {
  /** Stable source id, e.g. "kb:sectors/saas/comparables/notion". */
  id: string;
  vector: Float32Array;
  payload: Payload & { title: string; text: string };
}

export interface Match {
  id: string;
  score: number;
  payload: VectorPoint["payload"];
}

export interface VectorStore {
  /** Creates the collection for vectors of this size if it does not exist yet. */
  ensureCollection(collection: Collection, dimensions: number): Promise<void>;
  upsert(collection: Collection, points: VectorPoint[]): Promise<void>;
  /** Best matches by cosine similarity; `filter` keeps points whose payload equals every entry. */
  search(
    collection: Collection,
    vector: Float32Array,
    limit: number,
    filter?: Record<string, string>,
  ): Promise<Match[]>;
  count(collection: Collection): Promise<number>;
}

export interface Embedder {
  /** e.g. "hashed-ngrams-384" or "openai:text-embedding-3-small". */
  readonly id: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface RetrievedSource {
  id: string;
  collection: Collection;
  score: number;
  title: string;
  text: string;
  payload: Payload;
}

export interface RetrievalQuery {
  collection: Collection;
  text: string;
  limit: number;
  filter?: Record<string, string>;
}

export interface Retriever {
  search(query: RetrievalQuery): Promise<RetrievedSource[]>;
}

/** A Retriever over any store and embedder. */
export function storeRetriever(store: VectorStore, embedder: Embedder): Retriever {
  return {
    async search({ collection, text, limit, filter }) {
      const [vector] = await embedder.embed([text]);
      if (!vector) throw new Error("retrieval: the embedder returned no vector for the query");
      const matches = await store.search(collection, vector, limit, filter);
      return matches.map((m) => ({
        id: m.id,
        collection,
        score: Math.round(m.score * 1000) / 1000,
        title: m.payload.title,
        text: m.payload.text,
        payload: m.payload,
      }));
    },
  };
}
