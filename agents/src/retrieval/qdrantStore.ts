/**
 * The Qdrant adapter: the seed's collections with cosine distance. Qdrant point ids must be
 * unsigned integers or UUIDs, so the source id is hashed into a UUID and kept in the payload.
 */
import { createHash } from "node:crypto";
import { QdrantClient } from "@qdrant/js-client-rest";
import type { Collection, Match, VectorPoint, VectorStore } from "./retriever.ts";

export function pointUuid(sourceId: string): string {
  const h = createHash("sha1").update(sourceId).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
}

export class QdrantVectorStore implements VectorStore {
  private readonly client: QdrantClient;

  constructor(options: QdrantStoreOptions) {
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      checkCompatibility: false,
    });
  }

  async ensureCollection(collection: Collection, dimensions: number): Promise<void> {
    const { exists } = await this.client.collectionExists(collection);
    if (!exists) {
      await this.client.createCollection(collection, { vectors: { size: dimensions, distance: "Cosine" } });
      return;
    }
    const info = await this.client.getCollection(collection);
    const vectors = info.config.params.vectors as { size?: number } | undefined;
    if (vectors?.size !== undefined && vectors.size !== dimensions) {
      throw new Error(
        `Qdrant collection ${collection} holds ${vectors.size}-dimensional vectors, the embedder makes ${dimensions}; delete the collection and run npm run kb:ingest`,
      );
    }
  }

  async upsert(collection: Collection, points: VectorPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += 128) {
      await this.client.upsert(collection, {
        wait: true,
        points: points.slice(i, i + 128).map((p) => ({
          id: pointUuid(p.id),
          vector: Array.from(p.vector),
          payload: { ...p.payload, sourceId: p.id },
        })),
      });
    }
  }

  async search(
    collection: Collection,
    vector: Float32Array,
    limit: number,
    filter?: Record<string, string>,
  ): Promise<Match[]> {
    const hits = await this.client.search(collection, {
      vector: Array.from(vector),
      limit,
      with_payload: true,
      ...(filter
        ? { filter: { must: Object.entries(filter).map(([key, value]) => ({ key, match: { value } })) } }
        : {}),
    });
    return hits.map((hit) => {
      const payload = (hit.payload ?? {}) as VectorPoint["payload"] & { sourceId?: string };
      const { sourceId, ...rest } = payload;
      return { id: String(sourceId ?? hit.id), score: hit.score, payload: rest as VectorPoint["payload"] };
    });
  }

  async count(collection: Collection): Promise<number> {
    const { exists } = await this.client.collectionExists(collection);
    if (!exists) return 0;
    return (await this.client.count(collection, { exact: true })).count;
  }
}
