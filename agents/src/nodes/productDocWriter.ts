import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { prdMarkdown } from "../render/markdown.ts";
import { positioningSvg } from "../render/svg.ts";
import { prdSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/** Writes the PRD, citing the market sources it used. */
export async function productDocWriter(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "product_doc_writer");
  const market = requireChannel(state, "market", "product_doc_writer");
  const node = nodeRuntime(state, config, "product_doc_writer");
  const { offline } = node;
  const prd = await node.draft({
    step: "product_doc_writer",
    instructions: INSTRUCTIONS.product_doc_writer,
    input: { brief, market, sector: requireSector(brief.sector.id) },
    schema: prdSchema,
  });
  const known = new Set(market.sources.map((s) => s.id));
  const unknown = prd.sources.filter((s) => !known.has(s.id));
  if (unknown.length) {
    throw new Error(
      `product_doc_writer: the PRD cites sources the market map does not have: ${unknown.map((s) => s.id).join(", ")}`,
    );
  }
  return node.finish({
    prd,
    artifacts: [
      artifact("product_doc_writer", "prd", "prd.md", "markdown", prdMarkdown(prd, brief, offline), offline),
      artifact("product_doc_writer", "prd", "prd.json", "json", jsonArtifactBody(prd, offline), offline),
      ...(prd.positioning
        ? [
            artifact(
              "product_doc_writer",
              "positioning",
              "positioning.svg",
              "svg",
              positioningSvg(prd.positioning, brief.productName, offline),
              offline,
            ),
          ]
        : []),
    ],
  });
}
