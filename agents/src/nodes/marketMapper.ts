import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { marketMapMarkdown } from "../render/markdown.ts";
import { defaultRetriever } from "../retrieval/knowledgeBase.ts";
import type { RetrievedSource } from "../retrieval/retriever.ts";
import { type Brief, type Market, marketSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

const COMPS = 8;
const DOCS = 3;

function query(brief: Brief): string {
  return [
    brief.idea,
    brief.problemStatement,
    ...brief.keyFeatures.map((f) => `${f.name} ${f.keywords.join(" ")}`),
  ].join("\n");
}

/**
 * Maps the market: retrieval finds the closest comparable products across the knowledge base and
 * the sector's documents, the drafting model picks and scores from them, and the sources used are
 * recorded (id, collection, score) and cited.
 */
export async function marketMapper(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "market_mapper");
  const node = nodeRuntime(state, config, "market_mapper");
  const { offline } = node;
  const retriever = node.retriever ?? (await defaultRetriever());
  const text = query(brief);
  const retrieved: RetrievedSource[] = [
    ...(await retriever.search({ collection: "market_comps", text, limit: COMPS })),
    ...(await retriever.search({
      collection: "doc_chunks",
      text,
      limit: DOCS,
      filter: { sector: brief.sector.id },
    })),
  ];
  const draft = await node.draft({
    step: "market_mapper",
    instructions: INSTRUCTIONS.market_mapper,
    input: { brief, sector: requireSector(brief.sector.id), retrieved },
    schema: marketSchema,
  });
  const market = withRetrieval(draft, retrieved);
  return node.finish({
    market,
    artifacts: [
      artifact(
        "market_mapper",
        "market-map",
        "market-map.md",
        "markdown",
        marketMapMarkdown(market, brief, offline),
        offline,
      ),
      artifact(
        "market_mapper",
        "market-map",
        "market-map.json",
        "json",
        jsonArtifactBody(market, offline),
        offline,
      ),
    ],
  });
}

/**
 * Sources are what the map rests on: the drafter's own citations that retrieval or the KB backs,
 * plus the sector documents retrieval supplied. A citation of something never retrieved and not a
 * knowledge-base id is dropped, so the PRD can only cite what exists.
 */
function withRetrieval(draft: Market, retrieved: RetrievedSource[]): Market {
  const known = new Map(retrieved.map((r) => [r.id, r]));
  const sources = draft.sources.filter((s) => known.has(s.id) || /^kb:[a-z0-9/_-]+$/.test(s.id));
  for (const r of retrieved) {
    const cited = r.collection === "doc_chunks" || draft.comparables.some((c) => c.sourceId === r.id);
    if (cited && !sources.some((s) => s.id === r.id)) sources.push({ id: r.id, title: r.title });
  }
  return marketSchema.parse({
    ...draft,
    sources,
    retrieval: retrieved.map((r) => ({ id: r.id, collection: r.collection, score: r.score, title: r.title })),
  });
}
