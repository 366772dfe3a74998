import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { marketMapMarkdown } from "../render/markdown.ts";
import { marketSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/** Maps the market: comparable products from the knowledge base, scored against the brief. */
export async function marketMapper(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "market_mapper");
  const node = nodeRuntime(state, config, "market_mapper");
  const { offline } = node;
  const market = await node.draft({
    step: "market_mapper",
    instructions: INSTRUCTIONS.market_mapper,
    input: { brief, sector: requireSector(brief.sector.id) },
    schema: marketSchema,
  });
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
