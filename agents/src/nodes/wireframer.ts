import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { artifact, jsonArtifactBody } from "../artifacts.ts";
import { requireSector } from "../kb.ts";
import { INSTRUCTIONS } from "../prompts.ts";
import { wireframeSvg } from "../render/svg.ts";
import { wireframesSchema } from "../schemas.ts";
import { type PipelineState, requireChannel } from "../state.ts";
import { nodeRuntime } from "./common.ts";

/** Designs the key screens and draws one SVG wireframe per screen. */
export async function wireframer(
  state: PipelineState,
  config?: LangGraphRunnableConfig,
): Promise<Partial<PipelineState>> {
  const brief = requireChannel(state, "brief", "wireframer");
  const market = requireChannel(state, "market", "wireframer");
  const prd = requireChannel(state, "prd", "wireframer");
  const node = nodeRuntime(state, config, "wireframer");
  const { offline } = node;
  const wireframes = await node.draft({
    step: "wireframer",
    instructions: INSTRUCTIONS.wireframer,
    input: { brief, market, prd, sector: requireSector(brief.sector.id) },
    schema: wireframesSchema,
  });
  const ids = wireframes.screens.map((s) => s.id);
  if (new Set(ids).size !== ids.length)
    throw new Error(`wireframer: duplicate screen ids (${ids.join(", ")})`);
  return node.finish({
    wireframes,
    artifacts: [
      ...wireframes.screens.map((screen) =>
        artifact(
          "wireframer",
          "wireframe",
          `wireframes/${screen.id}.svg`,
          "svg",
          wireframeSvg(screen, wireframes.productName, offline),
          offline,
        ),
      ),
      artifact(
        "wireframer",
        "wireframe-spec",
        "wireframes/screens.json",
        "json",
        jsonArtifactBody(wireframes, offline),
        offline,
      ),
    ],
  });
}
