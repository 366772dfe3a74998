/**
 * Embedders: OpenAI embeddings when keyed, otherwise a deterministic offline embedder (hashed word
 * unigrams and character trigrams, signed feature hashing, L2-normalised) that needs no model file
 * and gives the same vector for the same text on every machine.
 */
import { OpenAIEmbeddings } from "@langchain/openai";
import { isStopword, stableHash } from "../text/index.ts";
import type { Embedder } from "./retriever.ts";

export function hashedEmbedder(dimensions = 384): Embedder {
  const embedOne = (text: string): Float32Array => {
    const v = new Float32Array(dimensions);
    const add = (feature: string, weight: number) => {
      const h = stableHash(feature);
      // The sign bit halves collisions' bias, as in feature hashing.
      v[h % dimensions]! += h & 0x80000000 ? -weight : weight;
    };
    const words = text
      .toLowerCase()
      .normalize("NFKD")
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 1 && !isStopword(w));
    for (const word of words) {
      add(`w:${word}`, 1);
      const padded = ` ${word} `;
      for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`, 0.35);
    }
    const norm = Math.hypot(...v);
    if (norm > 0) for (let i = 0; i < dimensions; i++) v[i]! /= norm;
    return v;
  };
  return {
    id: `hashed-ngrams-${dimensions}`,
    dimensions,
    embed: async (texts) => texts.map(embedOne),
  };
}

export interface OpenAIEmbedderOptions {
  apiKey: string;
  /** Defaults to text-embedding-3-small (1536 dimensions). */
  model?: string;
  dimensions?: number;
  baseURL?: string;
}

export function openAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const model = options.model ?? "text-embedding-3-small";
  const dimensions = options.dimensions ?? 1536;
  const client = new OpenAIEmbeddings({
    model,
    apiKey: options.apiKey,
    dimensions,
    maxRetries: 2,
    ...(options.baseURL ? { configuration: { baseURL: options.baseURL } } : {}),
  });
  return {
    id: `openai:${model}`,
    dimensions,
    async embed(texts) {
      const vectors = await client.embedDocuments(texts);
      return vectors.map((v) => {
        if (v.length !== dimensions) {
          throw new Error(
            `${model} returned ${v.length} dimensions, expected ${dimensions} (AGENCY_EMBEDDING_DIMENSIONS)`,
          );
        }
        return Float32Array.from(v);
      });
    },
  };
}
