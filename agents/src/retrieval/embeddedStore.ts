/**
 * The embedded vector store: brute-force cosine over Float32Arrays, which is exact and fast enough
 * for a knowledge base of a few hundred chunks. With a folder it persists one JSON file per
 * collection (vectors base64-encoded), so `npm run kb:ingest` survives restarts.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { Collection, Match, VectorPoint, VectorStore } from "./retriever.ts";

interface StoredCollection {
  dimensions: number;
  points: Map<string, VectorPoint>;
}

interface FileFormat {
  dimensions: number;
  points: { id: string; vector: string; payload: VectorPoint["payload"] }[];
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

const norm = (a: Float32Array): number => Math.sqrt(dot(a, a));

export class EmbeddedVectorStore implements VectorStore {
  private readonly collections = new Map<Collection, StoredCollection>();

  /** `folder` undefined keeps everything in memory. */
  constructor(private readonly folder?: string) {}

  private file(collection: Collection): string | undefined {
    return this.folder ? path.join(this.folder, `${collection}.json`) : undefined;
  }

  private load(collection: Collection): StoredCollection | undefined {
    const cached = this.collections.get(collection);
    if (cached) return cached;
    const file = this.file(collection);
    if (!file || !existsSync(file)) return undefined;
    const data = JSON.parse(readFileSync(file, "utf8")) as FileFormat;
    const points = new Map(
      data.points.map((p) => {
        const bytes = Buffer.from(p.vector, "base64");
        const vector = new Float32Array(
          bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        );
        return [p.id, { id: p.id, vector, payload: p.payload }] as const;
      }),
    );
    const loaded = { dimensions: data.dimensions, points };
    this.collections.set(collection, loaded);
    return loaded;
  }

  private save(collection: Collection, stored: StoredCollection): void {
    const file = this.file(collection);
    if (!file) return;
    mkdirSync(path.dirname(file), { recursive: true });
    const data: FileFormat = {
      dimensions: stored.dimensions,
      points: [...stored.points.values()].map((p) => ({
        id: p.id,
        vector: Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength).toString("base64"),
        payload: p.payload,
      })),
    };
    // Write then rename, so a crash never leaves half a file behind.
    writeFileSync(`${file}.tmp`, JSON.stringify(data));
    renameSync(`${file}.tmp`, file);
  }

  async ensureCollection(collection: Collection, dimensions: number): Promise<void> {
    const existing = this.load(collection);
    if (existing && existing.dimensions !== dimensions) {
      throw new Error(
        `embedded store: collection ${collection} holds ${existing.dimensions}-dimensional vectors, not ${dimensions}; delete ${this.file(collection) ?? "it"} and ingest again`,
      );
    }
    if (!existing) this.collections.set(collection, { dimensions, points: new Map() });
  }

  async upsert(collection: Collection, points: VectorPoint[]): Promise<void> {
    const stored = this.load(collection);
    if (!stored)
      throw new Error(`embedded store: collection ${collection} does not exist; call ensureCollection first`);
    for (const point of points) {
      if (point.vector.length !== stored.dimensions) {
        throw new Error(
          `embedded store: point ${point.id} has ${point.vector.length} dimensions, ${collection} takes ${stored.dimensions}`,
        );
      }
      stored.points.set(point.id, point);
    }
    this.save(collection, stored);
  }

  async search(
    collection: Collection,
    vector: Float32Array,
    limit: number,
    filter?: Record<string, string>,
  ): Promise<Match[]> {
    const stored = this.load(collection);
    if (!stored) return [];
    const qn = norm(vector) || 1;
    const matches: Match[] = [];
    for (const point of stored.points.values()) {
      if (filter && !Object.entries(filter).every(([k, v]) => point.payload[k] === v)) continue;
      matches.push({
        id: point.id,
        score: dot(vector, point.vector) / (qn * (norm(point.vector) || 1)),
        payload: point.payload,
      });
    }
    return matches.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, limit);
  }

  async count(collection: Collection): Promise<number> {
    return this.load(collection)?.points.size ?? 0;
  }
}
