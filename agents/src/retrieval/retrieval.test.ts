import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlmServer } from "@roboagency/testing/fake-llm";
import { type FakeQdrant, startFakeQdrant } from "@roboagency/testing/fake-qdrant";
import { EmbeddedVectorStore } from "./embeddedStore.ts";
import { hashedEmbedder } from "./embedders.ts";
import {
  defaultRetriever,
  embedderFromEnv,
  ingestKnowledgeBase,
  knowledgeBaseChunks,
} from "./knowledgeBase.ts";
import { QdrantVectorStore, pointUuid } from "./qdrantStore.ts";
import { storeRetriever } from "./retriever.ts";

const embedder = hashedEmbedder();

describe("offline embedder", () => {
  it("when the same text is embedded twice, then the unit vectors are identical and related texts score higher", async () => {
    const [a, b, c, d] = await embedder.embed([
      "book a dog walker",
      "book a dog walker",
      "dog walkers booking app",
      "quarterly tax filing",
    ]);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, c!)).toBeGreaterThan(dot(a!, d!));
  });
});

describe("knowledge base retrieval", () => {
  it("when the KB is chunked, then all three collections are filled with citable ids", () => {
    const chunks = knowledgeBaseChunks();
    const by = (c: string) => chunks.filter((x) => x.collection === c).length;
    expect(by("market_comps")).toBeGreaterThanOrEqual(14 * 4);
    expect(by("doc_chunks")).toBe(14 * 5);
    expect(by("code_patterns")).toBe(8);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
  });

  it("when a brief about invoices is searched, then fintech comparables rank first with scores", async () => {
    const retriever = await defaultRetriever();
    const hits = await retriever.search({
      collection: "market_comps",
      text: "send invoices to clients and track payments and cash flow",
      limit: 5,
    });
    expect(hits).toHaveLength(5);
    expect(hits[0]?.id).toMatch(/^kb:sectors\/fintech\/comparables\//);
    expect(hits[0]!.score).toBeGreaterThan(hits[4]!.score);
    const filtered = await retriever.search({
      collection: "doc_chunks",
      text: "pricing",
      limit: 3,
      filter: { sector: "saas" },
    });
    expect(filtered.every((h) => h.payload["sector"] === "saas")).toBe(true);
  });
});

describe("embedded vector store", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "vectors-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("when ingested into a folder, then a new store on the same folder finds the same results", async () => {
    const counts = await ingestKnowledgeBase(new EmbeddedVectorStore(dir), embedder);
    expect(counts.code_patterns).toBe(8);
    const reopened = new EmbeddedVectorStore(dir);
    expect(await reopened.count("market_comps")).toBe(counts.market_comps);
    const retriever = storeRetriever(reopened, embedder);
    const [hit] = await retriever.search({
      collection: "code_patterns",
      text: "pricing tiers plans",
      limit: 1,
    });
    expect(hit?.id).toBe("kb:ui-patterns/Pricing");
  });

  it("when vectors of another size arrive, then the error names the collection and the fix", async () => {
    const store = new EmbeddedVectorStore(dir);
    await expect(store.ensureCollection("market_comps", 12)).rejects.toThrow(
      /market_comps holds 384-dimensional vectors.*ingest again/,
    );
  });
});

describe("Qdrant adapter against a FAKE Qdrant REST server on loopback (real @qdrant/js-client-rest)", () => {
  let qdrant: FakeQdrant;
  beforeAll(async () => {
    qdrant = await startFakeQdrant();
  });
  afterAll(() => qdrant.stop());

  it("when the KB is ingested, then the seed's collections exist and search returns source ids with payload", async () => {
    const store = new QdrantVectorStore({ url: qdrant.url });
    const counts = await ingestKnowledgeBase(store, embedder);
    expect([...qdrant.collections.keys()].sort()).toEqual(["code_patterns", "doc_chunks", "market_comps"]);
    expect(await store.count("market_comps")).toBe(counts.market_comps);
    const point = qdrant.collections
      .get("market_comps")
      ?.points.get(pointUuid("kb:sectors/saas/comparables/notion"));
    expect(point?.payload["sourceId"]).toBe("kb:sectors/saas/comparables/notion");
    const retriever = storeRetriever(store, embedder);
    const hits = await retriever.search({
      collection: "doc_chunks",
      text: "personas needs",
      limit: 2,
      filter: { sector: "healthcare" },
    });
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => h.id.startsWith("kb:sectors/healthcare/"))).toBe(true);
    expect(qdrant.requests).toContain("POST /collections/doc_chunks/points/search");
    // Re-ingesting is idempotent: same ids, same counts.
    await ingestKnowledgeBase(store, embedder);
    expect(await store.count("market_comps")).toBe(counts.market_comps);
  });

  it("when the collection has another vector size, then the error says to re-ingest", async () => {
    const store = new QdrantVectorStore({ url: qdrant.url });
    await expect(store.ensureCollection("market_comps", 8)).rejects.toThrow(
      /384-dimensional.*npm run kb:ingest/,
    );
  });
});

describe("OpenAI embedder against a FAKE OpenAI server on loopback (real @langchain/openai client)", () => {
  it("when keyed, then embeddings come from the embeddings endpoint with the configured dimensions", async () => {
    const server = await startFakeLlmServer();
    try {
      const openai = embedderFromEnv({
        OPENAI_API_KEY: "test",
        OPENAI_BASE_URL: `${server.url}/v1`,
        AGENCY_EMBEDDING_DIMENSIONS: "16",
      });
      expect(openai.id).toBe("openai:text-embedding-3-small");
      const [v] = await openai.embed(["dog walkers"]);
      expect(v).toHaveLength(16);
      expect(server.calls.some((c) => c.api === "embeddings")).toBe(true);
      expect(embedderFromEnv({}).id).toBe("hashed-ngrams-384");
    } finally {
      await server.stop();
    }
  });
});

describe("default retriever by environment", () => {
  it("when QDRANT_URL points at an empty Qdrant (FAKE server on loopback), then the KB is ingested on first use and searched", async () => {
    const qdrant = await startFakeQdrant();
    try {
      const retriever = await defaultRetriever({ QDRANT_URL: qdrant.url });
      expect(qdrant.collections.get("market_comps")?.points.size).toBeGreaterThanOrEqual(56);
      const hits = await retriever.search({
        collection: "market_comps",
        text: "invoices and payments",
        limit: 3,
      });
      expect(hits).toHaveLength(3);
      expect(await defaultRetriever({ QDRANT_URL: qdrant.url })).toBe(retriever);
    } finally {
      await qdrant.stop();
    }
  });

  it("when AGENCY_DATA_DIR is set, then the embedded store is persisted there", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "agency-data-"));
    try {
      await defaultRetriever({ AGENCY_DATA_DIR: dir });
      expect(await new EmbeddedVectorStore(path.join(dir, "vectors")).count("doc_chunks")).toBe(70);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
