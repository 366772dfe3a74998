/**
 * Embedders: OpenAI embeddings when keyed, otherwise a deterministic offline embedder (hashed word
 * unigrams and character trigrams, signed feature hashing, L2-normalised) that needs no model file
 * and gives the same vector for the same text on every machine.
 */
import { OpenAIEmbeddings } from "@langchain/openai";
import type { Embedder } from "./retriever.ts";

const STOP = new Set(
  "a an and are as at be by for from has have in is it its of on or our that the their this to was we with you your".split(
    " ",
  ),
);

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashedEmbedder(dimensions = 384): Embedder {
  const embedOne = (text: string): Float32Array => {
    const v = new Float32Array(dimensions);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      // The sign bit halves collisions' bias, as in feature hashing.
      v[h % dimensions]! += h & 0x80000000 ? -weight : weight;
    };
    const words = text
      .toLowerCase()
      .normalize("NFKD")
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 1 && !STOP.has(w));
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
